import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withProjectLock } from '../../../../src/core/project/project-lock.js';

let root: string;
let savedCache: string | undefined;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-project-lock-')));
  savedCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = path.join(root, 'cache');
});

afterEach(() => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  rmSync(root, { recursive: true, force: true });
});

function project(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a project's lock", () => {
  it("returns what the work returns, and writes nothing into the project (git would see it)", async () => {
    const dir = project('app');
    expect(await withProjectLock(dir, () => 42)).toBe(42);
    expect(await withProjectLock(dir, async () => 'later')).toBe('later');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('lets a second change of the same project start only once the first has ended, also through a symlinked path', async () => {
    const dir = project('app');
    const link = path.join(root, 'link');
    symlinkSync(dir, link);
    const events: string[] = [];
    const first = gate();
    const one = withProjectLock(dir, async () => {
      events.push('first starts');
      await first.opened;
      events.push('first ends');
    });
    await pause(20);
    const two = withProjectLock(link, () => {
      events.push('second starts');
    });
    await pause(200);
    expect(events).toEqual(['first starts']);
    first.open();
    await Promise.all([one, two]);
    expect(events).toEqual(['first starts', 'first ends', 'second starts']);
  });

  it('keeps no other project waiting', async () => {
    const first = gate();
    const one = withProjectLock(project('a'), () => first.opened);
    await pause(20);
    expect(await withProjectLock(project('b'), () => 'b ran')).toBe('b ran');
    first.open();
    await one;
  });

  it('is released when the work fails, and the failure reaches the caller', async () => {
    const dir = project('app');
    await expect(withProjectLock(dir, () => Promise.reject(new Error('sync failed')))).rejects.toThrow('sync failed');
    const started = Date.now();
    expect(await withProjectLock(dir, () => 'next')).toBe('next');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
