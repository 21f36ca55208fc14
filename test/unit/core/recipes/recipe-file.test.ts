import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecipeFile } from '../../../../src/core/recipes/recipe-file.js';
import { InputError } from '../../../../src/platform/errors.js';
import { readRecipe } from '../../../../src/core/recipes/catalog.js';
import type { RecipeSource } from '../../../../src/core/recipes/schema.js';
import { root, write, MINIMAL, useRecipeRoot } from '../../support/recipe-files.js';

useRecipeRoot();

const recipeText = (image = 'docker.io/example/tool:{version}', name = 'tool') => `name: ${name}\ndescription: A tool\nimage: ${image}\nversion: '1.2.3'\n`;

function file(name: string, text: string): string {
  const full = path.join(root, name);
  writeFileSync(full, text);
  return full;
}

/** The message of the InputError parsing `text` as tool.yaml gives. */
function refusal(text: string, source: 'builtin' | 'user' = 'user'): string {
  try {
    parseRecipeFile(file('tool.yaml', text), source);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('the recipe was accepted');
}

describe('a recipe file', () => {
  it('gives the recipe with the file it came from and where that file was found', () => {
    const tool = file('tool.yml', recipeText());
    expect(parseRecipeFile(tool, 'path')).toMatchObject({ name: 'tool', version: '1.2.3', network: 'none', file: tool, source: 'path' });
  });

  it("is read afresh each time (caching is the catalog's business)", () => {
    const tool = file('tool.yaml', recipeText());
    expect(parseRecipeFile(tool, 'user').image).toBe('docker.io/example/tool:{version}');
    writeFileSync(tool, recipeText('docker.io/other/tool:{version}'));
    expect(parseRecipeFile(tool, 'user').image).toBe('docker.io/other/tool:{version}');
  });

  it('must be named after its command', () => {
    expect(refusal(recipeText(undefined, 'other'))).toBe(`${root}/tool.yaml:1: name: "other" must match the file name "tool"`);
  });

  it('keeps a digest in its own field, never in the image', () => {
    expect(refusal(recipeText(`docker.io/example/tool:{version}@sha256:${'a'.repeat(64)}`))).toBe(`${root}/tool.yaml:3: image: put the digest in the digest field, not in image`);
  });

  it('names an image that is a valid reference once the version is put in', () => {
    expect(refusal(recipeText('docker.io/Example/tool:{version}'))).toMatch(new RegExp(`^${root}/tool.yaml:3: image: \\S`));
  });

  it("pins an exact tag when built in; one of the user's may say latest or no tag", () => {
    expect(refusal(recipeText('docker.io/example/tool:latest'), 'builtin')).toBe(`${root}/tool.yaml:3: image: "latest" is not a version: pin an exact version tag`);
    expect(refusal(recipeText('docker.io/example/tool'), 'builtin')).toBe(`${root}/tool.yaml:3: image: has no tag: pin an exact version tag`);
    expect(parseRecipeFile(file('tool.yaml', recipeText('docker.io/example/tool:latest')), 'user').image).toBe('docker.io/example/tool:latest');
    expect(parseRecipeFile(file('tool.yaml', recipeText('docker.io/example/tool')), 'project').image).toBe('docker.io/example/tool');
  });

  it('is refused with the file, line and field of its first problem', () => {
    expect(refusal(`${recipeText()}network: internet\n`)).toBe(`${root}/tool.yaml:5: network: expected one of none, bridge, host`);
  });
});

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
