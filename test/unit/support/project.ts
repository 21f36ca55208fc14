// The project the unit tests of berth.yaml, berth.lock, `berth use`, `berth sync --check` and run
// resolution work in: a fresh directory per test with three recipes in a path directory.
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach } from 'vitest';
import { stringify } from 'yaml';
import type { RecipeDirectory } from '../../../src/core/recipes/catalog.js';

export const D1 = `sha256:${'1'.repeat(64)}`;
export const D2 = `sha256:${'2'.repeat(64)}`;

// Live bindings: each test sees the values its own beforeEach set.
export let root: string;
export let recipes: string;
export let dirs: RecipeDirectory[];

export function write(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

export function recipe(fields: Record<string, unknown> & { name: string }): void {
  write(path.join(recipes, `${fields.name}.yaml`), stringify({ description: 'test', version: '1.0', ...fields }));
}

/** The message of the error the promise rejects with. */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

/** The message of the error `fn` throws. */
export function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

/** Gives every test of the calling file the project above. */
export function useProject(): void {
  beforeEach(() => {
    root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-project-')));
    // berth's parse cache goes to the test's own directory.
    const savedCache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = path.join(root, 'cache');
    recipes = path.join(root, 'recipes');
    dirs = [{ dir: recipes, source: 'path' }];
    recipe({ name: 'fx', image: 'registry.test/fx:{version}' });
    recipe({ name: 'fixed', image: 'registry.test/fixed:1', version: '1' });
    recipe({ name: 'vtag', image: 'registry.test/vtag:v{version}', version: '2.0', digest: D2 });
    return () => {
      if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = savedCache;
    };
  });
}
