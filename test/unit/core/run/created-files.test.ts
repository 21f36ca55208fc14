import { existsSync, mkdtempSync, readFileSync, realpathSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCreatedFiles } from '../../../../src/core/run/created-files.js';
import type { Mount } from '../../../../src/core/run/plan.js';

describe('files berth makes for the tool', () => {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-made-')));
  const mount = (name: string): Mount => ({ source: path.join(dir, name), target: path.join(dir, name), readOnly: false, create: true });

  it("makes each file empty, with the user's umask, and removes it afterwards when left untouched", () => {
    const made = makeCreatedFiles([mount('a'), { source: dir, target: dir, readOnly: false }]);
    const st = statSync(path.join(dir, 'a'));
    const umask = process.umask();
    expect([st.size, st.uid, st.mode & 0o777]).toEqual([0, process.getuid!(), 0o666 & ~umask]);
    made.cleanup();
    expect(existsSync(path.join(dir, 'a'))).toBe(false);
  });

  it('keeps a file the tool wrote, truncated (touched) or replaced', () => {
    const made = makeCreatedFiles([mount('written'), mount('touched'), mount('replaced')]);
    writeFileSync(path.join(dir, 'written'), 'output');
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(dir, 'touched'), later, later);
    writeFileSync(path.join(dir, 'replaced.new'), '');
    // (renamed over it: a new inode)
    renameSync(path.join(dir, 'replaced.new'), path.join(dir, 'replaced'));
    made.cleanup();
    expect(readFileSync(path.join(dir, 'written'), 'utf8')).toBe('output');
    expect(existsSync(path.join(dir, 'touched'))).toBe(true);
    expect(existsSync(path.join(dir, 'replaced'))).toBe(true);
  });

  it('never takes over a file that appeared since the plan: the run stops (125), the file stays, the others made are removed', () => {
    writeFileSync(path.join(dir, 'theirs'), '');
    expect(() => makeCreatedFiles([mount('mine'), mount('theirs')])).toThrow(/^cannot make \S+\/theirs for the tool to write: something appeared there since berth looked$/);
    expect(existsSync(path.join(dir, 'theirs'))).toBe(true);
    expect(existsSync(path.join(dir, 'mine'))).toBe(false);
  });
});
