// The recipe model: reading and checking one file, the directories and their precedence,
// the catalog with broken files in it, and {version} substitution.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, NotFoundError } from '../../src/platform/errors.js';
import { UntrustedRecipeError } from '../../src/core/recipes/catalog.js';
import { trustProject, untrustProject } from '../../src/core/workspace/trust.js';
import { BUILTIN_RECIPES, findRecipe, loadCatalog, readRecipe, recipeDirectories } from '../../src/core/recipes/catalog.js';
import { userRecipeDirectory } from '../../src/platform/paths.js';
import { imageForVersion, parseToolSpec } from '../../src/core/recipes/image.js';
import type { RecipeSource } from '../../src/core/recipes/schema.js';

let root: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-recipe-model-')));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function write(dir: string, file: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const full = path.join(dir, file);
  writeFileSync(full, text);
  return full;
}

const MINIMAL = ['name: tool', 'description: A test tool', 'image: docker.io/example/tool:{version}', "version: '1.2.3'", ''].join('\n');

/** Reads `text` as the recipe file `name`.yaml and returns the one error it gives. */
function problem(text: string, source: RecipeSource = 'user', name = 'tool'): InputError {
  const file = write(root, `${name}.yaml`, text);
  try {
    readRecipe(file, source);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`${file} was accepted`);
}

/** One line: `FILE:LINE: FIELD: …`, exit code 1, and the file and line on the error. */
function expectMessage(error: InputError, line: number, field: string | undefined, pattern: RegExp): void {
  const file = path.join(root, path.basename(error.file ?? ''));
  expect(error.message).not.toContain('\n');
  expect(error.message.startsWith(`${file}:${line}: ${field === undefined ? '' : `${field}: `}`), error.message).toBe(true);
  expect(error.message).toMatch(pattern);
  expect(error.file).toBe(file);
  expect(error.line).toBe(line);
  expect(error.exitCode).toBe(1);
}

describe('a valid recipe', () => {
  it('reads with the defaults filled in', () => {
    const recipe = readRecipe(write(root, 'tool.yaml', MINIMAL), 'user');
    expect(recipe).toMatchObject({
      name: 'tool',
      description: 'A test tool',
      image: 'docker.io/example/tool:{version}',
      version: '1.2.3',
      tags: [],
      args: [],
      network: 'none',
      env: [],
      user: 'host',
      tty: 'auto',
      warm: false,
      examples: [],
      source: 'user',
    });
    expect(recipe.file).toBe(path.join(root, 'tool.yaml'));
    expect(recipe.digest).toBeUndefined();
    expect(recipe.entrypoint).toBeUndefined();
  });

  it('reads every field', () => {
    const text = [
      '# a comment',
      'name: full',
      'description: Every field',
      'homepage: https://example.org/full',
      'tags: [lint, data]',
      'image: ghcr.io/example/full:v{version}-alpine',
      "version: '2.0.1'",
      "versions: ['2.0.1', '1.9.0']",
      `digest: sha256:${'ab'.repeat(32)}`,
      'entrypoint: [/usr/local/bin/full, --quiet]',
      'args: [--color=never]',
      'network: bridge',
      'env: [GITHUB_TOKEN, http_proxy]',
      'user: image',
      'tty: never',
      'warm: true',
      'examples: [berth run full --help]',
      'notes: needs the network to fetch things',
      '',
    ].join('\n');
    const recipe = readRecipe(write(root, 'full.yaml', text), 'builtin');
    expect(recipe).toMatchObject({
      homepage: 'https://example.org/full',
      tags: ['lint', 'data'],
      versions: ['2.0.1', '1.9.0'],
      digest: `sha256:${'ab'.repeat(32)}`,
      entrypoint: ['/usr/local/bin/full', '--quiet'],
      args: ['--color=never'],
      network: 'bridge',
      env: ['GITHUB_TOKEN', 'http_proxy'],
      user: 'image',
      tty: 'never',
      warm: true,
      notes: 'needs the network to fetch things',
      source: 'builtin',
    });
  });

  it('may be a script recipe, and may use .yml', () => {
    const text = MINIMAL.replace('name: tool', 'name: scripted') + 'script: |\n  exec tool "$@"\n';
    const recipe = readRecipe(write(root, 'scripted.yml', text), 'user');
    expect(recipe.script).toBe('exec tool "$@"\n');
  });

  it('may use latest or no tag when it is not built in', () => {
    expect(readRecipe(write(root, 'tool.yaml', MINIMAL.replace(':{version}', ':latest')), 'user').image).toBe('docker.io/example/tool:latest');
    expect(readRecipe(write(root, 'tool.yaml', MINIMAL.replace(':{version}', '')), 'project').image).toBe('docker.io/example/tool');
  });
});

describe('an invalid recipe gives one message naming the file, field and line', () => {
  it('malformed YAML', () => {
    expectMessage(problem('name: tool\ndescription: [unclosed\nimage: x\n'), 3, undefined, /not valid YAML/);
    expectMessage(problem('name: tool\nname: again\n'), 2, undefined, /not valid YAML: .*unique/i);
  });

  it('an empty file', () => {
    expectMessage(problem(''), 1, undefined, /empty/);
  });

  it('an unknown field', () => {
    expectMessage(problem(MINIMAL + 'colour: red\n'), 5, 'colour', /unknown field/);
  });

  it('a home entry that is the home itself, leaves it, or is absolute', () => {
    for (const entry of ['.', './', '.:rw', '..', '.aws/../..', '/etc', 'a:ro']) {
      expectMessage(problem(`${MINIMAL}home: ['${entry}']\n`), 5, 'home.0', /a path under your home/);
    }
  });

  it('a bad name', () => {
    expectMessage(problem(MINIMAL.replace('name: tool', 'name: My_Tool')), 1, 'name', /lowercase letters/);
  });

  it('a name that is not the file name', () => {
    expectMessage(problem(MINIMAL.replace('name: tool', 'name: other')), 1, 'name', /must match the file name "tool"/);
  });

  it('a latest tag, or no tag, in a built-in recipe', () => {
    expectMessage(problem(MINIMAL.replace(':{version}', ':latest'), 'builtin'), 3, 'image', /"latest" is not a version/);
    expectMessage(problem(MINIMAL.replace(':{version}', ''), 'builtin'), 3, 'image', /has no tag/);
    expectMessage(problem(MINIMAL.replace("version: '1.2.3'", 'version: latest'), 'builtin'), 3, 'image', /"latest" is not a version/);
  });

  it('a missing image', () => {
    expectMessage(problem(MINIMAL.replace('image: docker.io/example/tool:{version}\n', '')), 1, 'image', /missing/);
  });

  it('a bad image reference, or a digest inside image', () => {
    expectMessage(problem(MINIMAL.replace('docker.io/example/tool', 'docker.io/Example/Tool')), 3, 'image', /not a valid repository/);
    expectMessage(problem(MINIMAL.replace(':{version}', `:{version}@sha256:${'a'.repeat(64)}`)), 3, 'image', /digest field/);
  });

  it('script together with entrypoint', () => {
    expectMessage(problem(MINIMAL + 'entrypoint: [/bin/tool]\nscript: exec tool\n'), 6, 'script', /either script, or entrypoint and args/);
  });

  it('a bad digest', () => {
    expectMessage(problem(MINIMAL + 'digest: sha256:1234\n'), 5, 'digest', /sha256: followed by 64/);
    expectMessage(problem(MINIMAL + `digest: md5:${'a'.repeat(64)}\n`), 5, 'digest', /sha256: followed by 64/);
  });

  it('a value of the wrong kind', () => {
    expectMessage(problem(MINIMAL + 'network: internet\n'), 5, 'network', /expected one of none, bridge, host/);
    expectMessage(problem(MINIMAL + 'tags: lint\n'), 5, 'tags', /expected a list/);
    expectMessage(problem(MINIMAL + 'env: [lower-case-dash]\n'), 5, 'env.0', /environment variable name/);
    expectMessage(problem(MINIMAL.replace("version: '1.2.3'", 'version: 1.5')), 4, 'version', /expected a string/);
  });
});

describe('recipe directories', () => {
  /** A project at root/project (with .berth/recipes), a BERTH_RECIPES_PATH dir, and XDG_CONFIG_HOME. */
  function layout() {
    const project = path.join(root, 'project');
    const cwd = path.join(project, 'sub', 'dir');
    mkdirSync(cwd, { recursive: true });
    const dirs = {
      project: path.join(project, '.berth', 'recipes'),
      path1: path.join(root, 'path1'),
      path2: path.join(root, 'path2'),
      user: path.join(root, 'xdg', 'berth', 'recipes'),
    };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    const env = { XDG_CONFIG_HOME: path.join(root, 'xdg'), XDG_STATE_HOME: path.join(root, 'state'), BERTH_RECIPES_PATH: `${dirs.path1}:${dirs.path2}` };
    return { cwd, dirs, env, project };
  }

  const jq = (description: string) => `name: jq\ndescription: ${description}\nimage: docker.io/example/jq:{version}\nversion: '9'\n`;

  it('are searched project > BERTH_RECIPES_PATH (in order) > user > builtin', () => {
    const { cwd, dirs, env } = layout();
    expect(recipeDirectories(cwd, env)).toEqual([
      { dir: dirs.project, source: 'project' },
      { dir: dirs.path1, source: 'path' },
      { dir: dirs.path2, source: 'path' },
      { dir: dirs.user, source: 'user' },
      { dir: BUILTIN_RECIPES, source: 'builtin' },
    ]);
    expect(userRecipeDirectory(env)).toBe(dirs.user);
  });

  it('resolve a name to the recipe of highest precedence', () => {
    const { cwd, dirs, env, project } = layout();
    const order = [
      ['project', dirs.project],
      ['path', dirs.path1],
      ['path', dirs.path2],
      ['user', dirs.user],
    ] as const;
    for (const [, dir] of order) write(dir, 'jq.yaml', jq(`jq from ${dir}`));
    trustProject(project, env);
    for (const [source, dir] of order) {
      const recipe = findRecipe('jq', recipeDirectories(cwd, env));
      expect(recipe.source).toBe(source);
      expect(recipe.description).toBe(`jq from ${dir}`);
      const catalog = loadCatalog(recipeDirectories(cwd, env));
      expect(catalog.recipes.filter((r) => r.name === 'jq')).toEqual([recipe]);
      rmSync(path.join(dir, 'jq.yaml'));
    }
    const builtin = findRecipe('jq', recipeDirectories(cwd, env));
    expect(builtin.source).toBe('builtin');
    expect(builtin.file).toBe(path.join(BUILTIN_RECIPES, 'jq.yaml'));
  });

  it('count shadowed files and list each name once', () => {
    const { cwd, dirs, env, project } = layout();
    write(dirs.project, 'jq.yaml', jq('project jq'));
    write(dirs.user, 'jq.yaml', jq('user jq'));
    write(dirs.user, 'mine.yaml', jq('mine').replace('name: jq', 'name: mine'));
    trustProject(project, env);
    const catalog = loadCatalog(recipeDirectories(cwd, env));
    const builtins = loadCatalog([{ dir: BUILTIN_RECIPES, source: 'builtin' }]);
    expect(catalog.files).toBe(builtins.files + 3);
    expect(catalog.recipes).toHaveLength(builtins.recipes.length + 1);
    expect(catalog.recipes.find((r) => r.name === 'jq')?.description).toBe('project jq');
    expect(catalog.recipes.find((r) => r.name === 'mine')?.source).toBe('user');
    expect(catalog.recipes.map((r) => r.name)).toEqual([...catalog.recipes.map((r) => r.name)].sort((a, b) => a.localeCompare(b)));
  });

  it('searches only absolute BERTH_RECIPES_PATH entries (a relative one would follow every checkout)', () => {
    const { cwd, dirs, env } = layout();
    const searched = recipeDirectories(cwd, { ...env, BERTH_RECIPES_PATH: `recipes:${dirs.path1}:./x` }).filter((d) => d.source === 'path');
    expect(searched.map((d) => d.dir)).toEqual([dirs.path1]);
  });

  it('use project recipes only while they are exactly as trusted; a run of one stops, the others resolve', () => {
    const { cwd, dirs, env, project } = layout();
    write(dirs.project, 'jq.yaml', jq('project jq').replace("version: '9'", "version: '9'\nnetwork: host\nenv: [TOKEN]"));
    write(dirs.user, 'jq.yaml', jq('user jq'));
    write(dirs.user, 'mine.yaml', jq('mine').replace('name: jq', 'name: mine'));
    const untrusted = () => {
      try {
        findRecipe('jq', recipeDirectories(cwd, env));
      } catch (error) {
        return error as UntrustedRecipeError;
      }
      throw new Error('the untrusted project recipe was used');
    };
    const refused = untrusted();
    expect(refused).toBeInstanceOf(UntrustedRecipeError);
    expect(refused.exitCode).toBe(1);
    expect(refused.message).toBe(
      `jq: the project recipe ${dirs.project}/jq.yaml is not trusted; it would replace the user jq with network host (the host's own network: every local service and port) instead of none; env passed TOKEN instead of (none beyond terminal and locale); review it (berth trust --show), then run berth trust in ${project}`,
    );
    expect(findRecipe('mine', recipeDirectories(cwd, env)).source).toBe('user');
    const catalog = loadCatalog(recipeDirectories(cwd, env));
    expect(catalog.recipes.find((r) => r.name === 'jq')?.source).toBe('user');
    expect(catalog.problems).toEqual([{ file: dirs.project, untrusted: true, message: expect.stringContaining(`${project}: the project's recipes (jq.yaml) are not trusted`) }]);

    trustProject(project, env);
    expect(findRecipe('jq', recipeDirectories(cwd, env)).description).toBe('project jq');
    write(dirs.project, 'jq.yaml', jq('project jq, edited'));
    expect(untrusted().message).toContain('it would replace the user jq (same image and permissions)');
    trustProject(project, env);
    write(dirs.project, 'new.yaml', jq('new').replace('name: jq', 'name: new'));
    expect(untrusted()).toBeInstanceOf(UntrustedRecipeError);
    trustProject(project, env);
    rmSync(path.join(dirs.project, 'new.yaml'));
    expect(untrusted()).toBeInstanceOf(UntrustedRecipeError);
    trustProject(project, env);
    expect(findRecipe('jq', recipeDirectories(cwd, env)).source).toBe('project');
    expect(untrustProject(project, env)).toBe(true);
    expect(untrusted()).toBeInstanceOf(UntrustedRecipeError);
    expect(untrustProject(project, env)).toBe(false);
  });

  it('list the others when one recipe is broken, with the broken one in problems', () => {
    const { cwd, dirs, env } = layout();
    write(dirs.path1, 'good.yaml', jq('good').replace('name: jq', 'name: good'));
    const broken = write(dirs.path1, 'broken.yaml', 'name: broken\ndescription: [nope\n');
    const wrongName = write(dirs.path2, 'shellcheck.yaml', jq('a shellcheck that says jq'));
    const catalog = loadCatalog(recipeDirectories(cwd, env));
    expect(catalog.problems.map((p) => p.file)).toEqual([broken, wrongName]);
    expect(catalog.problems[0]!.message).toMatch(new RegExp(`^${broken}:\\d+: not valid YAML`));
    expect(catalog.problems[1]!.message).toBe(`${wrongName}:1: name: "jq" must match the file name "shellcheck"`);
    const names = catalog.recipes.map((r) => r.name);
    expect(names).toContain('good');
    expect(names).toContain('jq');
    // The broken shellcheck.yaml does not hide the built-in one.
    expect(catalog.recipes.find((r) => r.name === 'shellcheck')?.source).toBe('builtin');
  });

  it('make findRecipe fail on a broken file of that name, and say 127 for an unknown name', () => {
    const { cwd, dirs, env } = layout();
    write(dirs.user, 'jq.yaml', 'name: jq\n');
    expect(() => findRecipe('jq', recipeDirectories(cwd, env))).toThrow(InputError);
    let error: unknown;
    try {
      findRecipe('jqq', recipeDirectories(cwd, env));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).exitCode).toBe(127);
    expect((error as Error).message).toMatch(/no recipe for "jqq"; did you mean jq/);
  });

  it('never look a name up outside the recipe directories', () => {
    const { cwd, env } = layout();
    const outside = write(path.join(root, 'elsewhere'), 'evil.yaml', jq('evil').replace('name: jq', 'name: evil'));
    const dirs = recipeDirectories(cwd, env);
    const escape = path.relative(dirs[0]!.dir, outside).replace(/\.yaml$/, '');
    expect(escape.startsWith('..')).toBe(true);
    expect(() => findRecipe(escape, dirs)).toThrow(NotFoundError);
    expect(() => findRecipe(escape, dirs)).toThrow(/is not a recipe name/);
  });
});

describe('versions', () => {
  const recipeWith = (text: string) => readRecipe(write(root, 'tool.yaml', text), 'user');

  it('substitute {version} and append the digest only for the default version', () => {
    const digest = `sha256:${'cd'.repeat(32)}`;
    const recipe = recipeWith(MINIMAL.replace(':{version}', ':v{version}-alpine') + `digest: ${digest}\n`);
    expect(imageForVersion(recipe)).toBe(`docker.io/example/tool:v1.2.3-alpine@${digest}`);
    expect(imageForVersion(recipe, '1.2.3')).toBe(`docker.io/example/tool:v1.2.3-alpine@${digest}`);
    expect(imageForVersion(recipe, '1.1.0')).toBe('docker.io/example/tool:v1.1.0-alpine');
  });

  it('without a digest, use the tag alone', () => {
    expect(imageForVersion(recipeWith(MINIMAL))).toBe('docker.io/example/tool:1.2.3');
  });

  it('refuse another version when the image has no {version}', () => {
    const recipe = recipeWith(MINIMAL.replace(':{version}', ':1.2.3'));
    expect(imageForVersion(recipe)).toBe('docker.io/example/tool:1.2.3');
    expect(() => imageForVersion(recipe, '2.0.0')).toThrow(/no \{version\}/);
  });

  it('split tool@version', () => {
    expect(parseToolSpec('jq')).toEqual({ name: 'jq' });
    expect(parseToolSpec('jq@1.7.1')).toEqual({ name: 'jq', version: '1.7.1' });
    expect(() => parseToolSpec('jq@')).toThrow(InputError);
    expect(() => parseToolSpec('jq@1 2')).toThrow(/is not a version/);
  });
});
