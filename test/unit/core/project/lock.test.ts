import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLock, writeLock, type LockEntry } from '../../../../src/core/project/lock.js';
import { D1, D2, root, write, failure, useProject } from '../../support/project.js';

useProject();

describe('berth.lock', () => {
  const entry = (name: string, version: string, image: string, digest = D1): LockEntry => ({ name, version, image, digest, line: 0 });

  it('round-trips, sorted by name, with versions kept as strings', () => {
    const file = path.join(root, 'berth.lock');
    writeLock(file, [entry('vtag', '2.0', 'registry.test/vtag:v2.0', D2), entry('fx', '1.10', 'registry.test/fx:1.10')]);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# Written by `berth sync`/);
    expect(text.indexOf('fx:')).toBeLessThan(text.indexOf('vtag:'));
    expect(text).toContain('version: "1.10"');
    const lock = readLock(file);
    expect([...lock.entries.values()].map((e) => [e.name, e.version, e.image, e.digest, e.line])).toEqual([
      ["fx", "1.10", "registry.test/fx:1.10", D1, 5],
      ["vtag", "2.0", "registry.test/vtag:v2.0", D2, 9],
    ]);
  });

  it('keeps a built tool\'s base, and only a built tool has one', () => {
    const file = path.join(root, 'berth.lock');
    const base = `debian:bookworm-20250721-slim@${D2}`;
    writeLock(file, [{ ...entry('gifsicle', '1.93', 'berth-build/gifsicle:0123456789abcdef0123456789abcdef'), base }, entry('fx', '1', 'registry.test/fx:1')]);
    const text = readFileSync(file, 'utf8');
    expect(text.match(/base:/g)).toHaveLength(1);
    const lock = readLock(file);
    expect(lock.entries.get('gifsicle')).toMatchObject({ image: 'berth-build/gifsicle:0123456789abcdef0123456789abcdef', digest: D1, base });
    expect(lock.entries.get('fx')!.base).toBeUndefined();
    writeLock(file, [{ ...entry('gifsicle', '1.93', 'berth-build/gifsicle:0123'), base: 'not a reference!' }]);
    expect(() => readLock(file)).toThrow(/tools\.gifsicle\.base: /);
  });

  it.each([
    ['no lockVersion', 'tools: {}\n', /:1: lockVersion: missing/],
    ['another lockVersion', 'lockVersion: 2\ntools: {}\n', /:1: lockVersion: expected 1/],
    ['an unknown field', `lockVersion: 1\ntools:\n  fx:\n    version: "1"\n    image: a/b:1\n    digest: ${D1}\n    size: 3\n`, /:7: tools\.fx\.size: unknown field/],
    ['a missing digest', 'lockVersion: 1\ntools:\n  fx:\n    version: "1"\n    image: a/b:1\n', /:3: tools\.fx\.digest: missing/],
    ['a bad digest', 'lockVersion: 1\ntools:\n  fx:\n    version: "1"\n    image: a/b:1\n    digest: sha256:abc\n', /:6: tools\.fx\.digest: "sha256:abc" is not a sha256 digest/],
    ['an image with a digest', `lockVersion: 1\ntools:\n  fx:\n    version: "1"\n    image: a/b:1@${D1}\n    digest: ${D1}\n`, /:5: tools\.fx\.image: expected a reference without a digest/],
    ['a merge conflict', `lockVersion: 1\n<<<<<<< HEAD\ntools: {}\n`, /:\d+: not valid YAML|:\d+: <<<<<<< HEAD/],
  ])('refuses %s with file:line', (_what, text, message) => {
    const file = write(path.join(root, 'berth.lock'), text);
    const error = failure(() => readLock(file));
    expect(error.startsWith(`${file}:`)).toBe(true);
    expect(error).toMatch(message);
  });
});
