import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_RECIPES } from '../../../../src/core/recipes/catalog.js';
import { lintRecipes } from '../../../../src/core/recipes/lint.js';

let root: string;
const saved: Record<string, string | undefined> = {};
const ENV = ['XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'BERTH_RECIPES_PATH'] as const;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-lint-')));
  for (const name of ENV) saved[name] = process.env[name];
  // berth's cache and the user's own recipes in the test's directory; no recipe path of the caller's.
  process.env.XDG_CACHE_HOME = path.join(root, 'cache');
  process.env.XDG_CONFIG_HOME = path.join(root, 'config');
  process.env.XDG_STATE_HOME = path.join(root, 'state');
  delete process.env.BERTH_RECIPES_PATH;
});

afterEach(() => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  rmSync(root, { recursive: true, force: true });
});

function recipe(dir: string, name: string, image: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `# ${name}\nname: ${name}\ndescription: A tool\nimage: ${image}\nversion: '1.0'\n`);
  return file;
}

const builtinRecipeFiles = () => readdirSync(BUILTIN_RECIPES).filter((name) => /\.ya?ml$/.test(name));

describe('linting recipe files', () => {
  it('passes a pinned recipe with nothing to say', () => {
    expect(lintRecipes([recipe(root, 'good', 'docker.io/example/good:{version}')])).toEqual({ checked: 1, problems: [], warnings: [] });
  });

  it("warns at the image's line when a recipe of the user's runs latest or no tag", () => {
    const latest = recipe(root, 'latest', 'docker.io/example/latest:latest');
    const untagged = recipe(root, 'untagged', 'docker.io/example/untagged');
    expect(lintRecipes([latest, untagged])).toEqual({
      checked: 2,
      problems: [],
      warnings: [
        `${latest}:4: image: "latest" is not a version; pin an exact version tag so every run gets the same image (warning)`,
        `${untagged}:4: image: no tag; pin an exact version tag so every run gets the same image (warning)`,
      ],
    });
  });

  it('lists a broken file and a missing one as problems and goes on to the rest', () => {
    const broken = path.join(root, 'broken.yaml');
    writeFileSync(broken, 'name: broken\ndescription: [unclosed\n');
    const missing = path.join(root, 'missing.yaml');
    const good = recipe(root, 'good', 'docker.io/example/good:{version}');
    const result = lintRecipes([broken, missing, good]);
    expect(result.checked).toBe(3);
    expect(result.problems).toEqual([
      { file: broken, message: expect.stringMatching(new RegExp(`^${broken}:\\d+: not valid YAML`)) },
      { file: missing, message: expect.stringMatching(new RegExp(`^${missing}: .*no such file`)) },
    ]);
  });

  it('finds every built-in recipe clean', () => {
    // The recipes, not the evidence file beside them (sources.md).
    const builtins = builtinRecipeFiles().map((name) => path.join(BUILTIN_RECIPES, name));
    expect(builtins.length).toBeGreaterThan(0);
    expect(lintRecipes(builtins)).toEqual({ checked: builtins.length, problems: [], warnings: [] });
  });

  it('without files, checks every directory berth searches', () => {
    const user = path.join(root, 'config', 'berth', 'recipes');
    const latest = recipe(user, 'mine', 'docker.io/example/mine:latest');
    process.env.BERTH_RECIPES_PATH = path.join(root, 'shared');
    const broken = path.join(root, 'shared', 'broken.yaml');
    mkdirSync(path.dirname(broken));
    writeFileSync(broken, 'name: other\n');
    const result = lintRecipes([]);
    expect(result.checked).toBe(builtinRecipeFiles().length + 2);
    expect(result.problems.map((p) => p.file)).toEqual([broken]);
    expect(result.warnings).toEqual([expect.stringMatching(new RegExp(`^${latest}:4: image: "latest" is not a version`))]);
  });
});
