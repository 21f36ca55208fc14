import type { Stats } from 'node:fs';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectCandidateProblem } from '../../src/core/workspace/root.js';
import { printable } from '../../src/platform/terminal-text.js';

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

describe('printable', () => {
  it('escapes C0 and C1 controls, DEL and direction overrides; keeps text, tabs and (when asked) newlines', () => {
    expect(printable('a\x1b]0;title\x07b')).toBe('a\\x1b]0;title\\x07b');
    expect(printable('\r\b\x7f\x9b\u202e')).toBe('\\x0d\\x08\\x7f\\x9b\\u202e');
    expect(printable('tab\there, café ✓')).toBe('tab\there, café ✓');
    expect(printable('one\ntwo')).toBe('one\\x0atwo');
    expect(printable('one\ntwo', true)).toBe('one\ntwo');
  });
});
