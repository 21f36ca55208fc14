import type { Stats } from 'node:fs';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findProjectRoot, isSafeDirectory, projectCandidateProblem } from '../../../../src/core/workspace/root.js';

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

/** A stat of a file or directory owned by uid:gid with `mode`. */
const stats = (uid: number, gid: number, mode: number) => ({ uid, gid, mode, isDirectory: () => false }) as unknown as Stats;

describe('which directories can be a project (projectCandidateProblem)', () => {
  const me = { uid: 1000, gid: 1000 };
  // The directory holding the candidate is stat'ed for real: one per row, made with its mode.
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-safety-')));
  const dirWith = (name: string, mode: number) => {
    const dir = path.join(base, name);
    mkdirSync(dir, { recursive: true, mode });
    return dir;
  };
  const uid = process.getuid!();
  const gid = process.getgid!();
  const meHere = { uid, gid };
  const rows: Array<[string, number, Stats, string | undefined]> = [
    ['a private directory of mine', 0o755, stats(uid, gid, 0o644), undefined],
    ['a candidate owned by root', 0o755, stats(0, 0, 0o644), undefined],
    ['a candidate owned by another user', 0o755, stats(4321, 4321, 0o644), 'owned by uid 4321'],
    ['a world-writable directory', 0o777, stats(uid, gid, 0o644), 'can be written by every user'],
    ['a world-writable sticky directory (as /tmp)', 0o1777, stats(uid, gid, 0o644), undefined],
    ['a group-writable directory of my own group', 0o775, stats(uid, gid, 0o644), undefined],
  ];
  for (const [what, mode, candidate, problem] of rows) {
    it(`${what}: ${problem ?? 'a project'}`, () => {
      const dir = dirWith(what.replace(/\W+/g, '-'), 0o700);
      // mkdir's mode passes through the umask: set the exact mode.
      chmodSync(dir, mode);
      const found = projectCandidateProblem(dir, candidate, {}, meHere);
      if (problem === undefined) expect(found).toBeUndefined();
      else expect(found).toContain(problem);
    });
  }

  it("a group-writable directory of another group, and a directory owned by another user, are not (me: uid 1000)", () => {
    const dir = dirWith('group', 0o700);
    chmodSync(dir, 0o775);
    // As seen by uid 1000 of group 1000, the directory (root's, or the test user's) is someone else's.
    expect(projectCandidateProblem(dir, stats(1000, 1000, 0o644), {}, me)).toMatch(/is owned by uid|can be written by group/);
  });

  it('BERTH_SAFE_DIRECTORIES lists exceptions (exact directories, by real path)', () => {
    const dir = dirWith('vouched', 0o700);
    chmodSync(dir, 0o777);
    const candidate = stats(4321, 4321, 0o644);
    expect(projectCandidateProblem(dir, candidate, {}, meHere)).toBe('owned by uid 4321');
    expect(projectCandidateProblem(dir, candidate, { BERTH_SAFE_DIRECTORIES: `${base}` }, meHere)).toBe('owned by uid 4321');
    expect(projectCandidateProblem(dir, candidate, { BERTH_SAFE_DIRECTORIES: `relative:${dir}` }, meHere)).toBeUndefined();
  });
});
