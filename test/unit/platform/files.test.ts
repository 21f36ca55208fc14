import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { privateDirectory, writePrivateFile } from '../../../src/platform/files.js';
import { acquireLock } from '../../../src/platform/lock-file.js';

const mode = (p: string) => statSync(p).mode & 0o7777;

describe("berth's private files", () => {
  const umask = process.umask();
  afterEach(() => void process.umask(umask));
  const base = mkdtempSync(path.join(tmpdir(), 'berth-private-'));

  for (const mask of [0o000, 0o022, 0o277]) {
    it(`makes directories 0700 and files 0600 under umask ${mask.toString(8).padStart(3, '0')}, missing parents included`, () => {
      process.umask(mask);
      const top = path.join(base, `u${mask.toString(8)}`);
      const dir = privateDirectory(path.join(top, 'a', 'b'));
      for (const d of [top, path.join(top, 'a'), dir]) expect(mode(d)).toBe(0o700);
      const file = path.join(dir, 'c', 'f.json');
      writePrivateFile(file, 'one');
      writePrivateFile(file, 'two');
      expect([mode(path.join(dir, 'c')), mode(file), readFileSync(file, 'utf8')]).toEqual([0o700, 0o600, 'two']);
      writePrivateFile(path.join(dir, 'x'), 'x', { mode: 0o755 });
      expect(mode(path.join(dir, 'x'))).toBe(0o755);
    });
  }

  it('writes an exclusive file only where there is none, with nothing left beside it', async () => {
    const dir = privateDirectory(path.join(base, 'locks'));
    const file = path.join(dir, 'l.lock');
    writePrivateFile(file, 'first', { exclusive: true });
    expect(() => writePrivateFile(file, 'second', { exclusive: true })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readFileSync(file, 'utf8')).toBe('first');
    writeFileSync(file, '999999999');
    // A lock whose holder is gone is taken over, and is berth's user's only.
    const release = await acquireLock(file, { timeoutMs: 1000 });
    expect([readFileSync(file, 'utf8'), mode(file)]).toEqual([String(process.pid), 0o600]);
    release!();
    expect(readdirSync(dir)).toEqual([]);
  });
});
