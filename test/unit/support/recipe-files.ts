// Where the unit tests of the recipe model write their recipe files: a fresh directory per test.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

// A live binding: each test sees the directory its own beforeEach made.
export let root: string;

/** Gives every test of the calling file a fresh `root`, removed after it. */
export function useRecipeRoot(): void {
  beforeEach(() => {
    root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-recipes-')));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });
}

export function write(dir: string, file: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const full = path.join(dir, file);
  writeFileSync(full, text);
  return full;
}

/** The smallest valid recipe. */
export const MINIMAL = ['name: tool', 'description: A test tool', 'image: docker.io/example/tool:{version}', "version: '1.2.3'", ''].join('\n');
