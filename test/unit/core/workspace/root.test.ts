import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findProjectRoot, isSafeDirectory } from '../../../../src/core/workspace/root.js';

let root: string;
let env: NodeJS.ProcessEnv;
let stderr: string[];

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-root-')));
  // No settings of the caller's: safeDirectories comes from the test's own settings file.
  env = { XDG_CONFIG_HOME: path.join(root, 'config') };
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

function dir(...parts: string[]): string {
  const full = path.join(root, ...parts);
  mkdirSync(full, { recursive: true });
  return full;
}

function manifest(at: string, mode = 0o644): string {
  const file = path.join(at, 'berth.yaml');
  writeFileSync(file, 'tools: {}\n');
  chmodSync(file, mode);
  return file;
}

describe("finding the project's root", () => {
  it('takes the nearest directory at or above the current one with a berth.yaml', () => {
    const outer = dir('outer');
    const inner = dir('outer', 'inner');
    manifest(outer);
    manifest(inner);
    expect(findProjectRoot(dir('outer', 'inner', 'src', 'deep'), env)).toBe(inner);
    expect(findProjectRoot(inner, env)).toBe(inner);
    expect(findProjectRoot(dir('outer', 'other'), env)).toBe(outer);
  });

  it('counts a .berth directory alone as a project', () => {
    const app = dir('app');
    dir('app', '.berth', 'recipes');
    expect(findProjectRoot(dir('app', 'src'), env)).toBe(app);
  });

  it('finds none where no directory up to / has one', () => {
    expect(findProjectRoot(dir('plain', 'sub'), env)).toBeUndefined();
  });

  it('passes over a candidate other users could have planted, says so once, and goes on upwards', () => {
    const outer = dir('outer');
    manifest(outer);
    const shared = dir('outer', 'shared');
    manifest(shared);
    chmodSync(shared, 0o777);
    expect(findProjectRoot(shared, env)).toBe(outer);
    expect(findProjectRoot(shared, env)).toBe(outer);
    expect(stderr).toEqual([
      `berth: ignoring ${shared}/berth.yaml: ${shared} can be written by every user (if you trust it, add ${shared} to BERTH_SAFE_DIRECTORIES or the safeDirectories setting)\n`,
    ]);
  });

  it('passes over a berth.yaml other users can write', () => {
    const app = dir('app');
    manifest(app, 0o666);
    expect(findProjectRoot(app, env)).toBeUndefined();
    expect(stderr.join('')).toContain(`ignoring ${app}/berth.yaml: can be written by other users`);
  });

  it('does not take a directory whose berth.yaml is refused for its acceptable .berth', () => {
    const app = dir('app');
    dir('app', '.berth');
    manifest(app, 0o666);
    expect(findProjectRoot(app, env)).toBeUndefined();
  });

  it('takes a directory the user vouches for, in BERTH_SAFE_DIRECTORIES or the safeDirectories setting', () => {
    const shared = dir('shared');
    manifest(shared);
    chmodSync(shared, 0o777);
    expect(findProjectRoot(shared, { ...env, BERTH_SAFE_DIRECTORIES: `/elsewhere:${shared}` })).toBe(shared);
    mkdirSync(path.join(root, 'config', 'berth'), { recursive: true });
    writeFileSync(path.join(root, 'config', 'berth', 'config.json'), JSON.stringify({ safeDirectories: shared }));
    expect(findProjectRoot(shared, env)).toBe(shared);
  });
});

describe('directories the user vouches for', () => {
  it('match by real path, so a symlink to one is the same directory', () => {
    const shared = dir('shared');
    const link = path.join(root, 'link');
    symlinkSync(shared, link);
    expect(isSafeDirectory(shared, { ...env, BERTH_SAFE_DIRECTORIES: link })).toBe(true);
    expect(isSafeDirectory(link, { ...env, BERTH_SAFE_DIRECTORIES: shared })).toBe(true);
  });

  it('count only as absolute paths, and only exactly (not their subdirectories)', () => {
    const shared = dir('shared');
    const relative = path.relative(process.cwd(), shared);
    expect(isSafeDirectory(shared, { ...env, BERTH_SAFE_DIRECTORIES: relative })).toBe(false);
    expect(isSafeDirectory(dir('shared', 'sub'), { ...env, BERTH_SAFE_DIRECTORIES: shared })).toBe(false);
    expect(isSafeDirectory(shared, env)).toBe(false);
  });
});
