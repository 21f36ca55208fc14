import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, NotFoundError } from '../../../../src/platform/errors.js';
import { trustProject, untrustProject } from '../../../../src/core/workspace/trust.js';
import { BUILTIN_RECIPES, findRecipe, loadCatalog, recipeDirectories, UntrustedRecipeError } from '../../../../src/core/recipes/catalog.js';
import { userRecipeDirectory } from '../../../../src/platform/paths.js';
import { root, write, useRecipeRoot } from '../../support/recipe-files.js';

useRecipeRoot();

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
