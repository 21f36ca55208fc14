import { existsSync, mkdirSync, mkdtempSync, realpathSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { prunableWarmFiles, pruneWarmFiles, socketDirectory } from '../../../src/warm/state.js';

describe('warm files gc removes', () => {
  let warm: string;
  beforeEach(() => {
    const saved = process.env.XDG_CACHE_HOME;
    const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-warm-')));
    process.env.XDG_CACHE_HOME = root;
    warm = path.join(root, 'berth', 'warm');
    return () => {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    };
  });

  const file = (rel: string, ageMs = 0) => {
    const full = path.join(warm, rel);
    if (rel.endsWith('/')) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, '');
    }
    const then = new Date(Date.now() - ageMs);
    utimesSync(full, then, then);
    return full.replace(/\/$/, '');
  };

  it('lists what no warm container needs, with why, and removes nothing; pruneWarmFiles removes the same', () => {
    const liveKey = 'a'.repeat(64);
    const live = file(`sockets/${path.basename(socketDirectory(liveKey))}/`, 3_600_000);
    const gone = file('sockets/bbbbbbbbbbbbbbbbbbbb/', 3_600_000);
    const young = file('sockets/cccccccccccccccccccc/');
    const usedLive = file('used/berth-warm-jq-live');
    const usedGone = file('used/berth-warm-jq-gone');
    const server = file('server-111111111111-x86_64');
    const oldServer = file('server-222222222222-x86_64');
    const pause = file('pause-v1-x86_64');
    const pids = file('pids/');
    const wanted = [
      { path: gone, why: 'socket directory of a warm container that is gone' },
      { path: usedGone, why: 'last-use mark of a warm container that is gone' },
      { path: oldServer, why: 'warm server of another berth build' },
      { path: pause, why: "an earlier berth's warm program" },
      { path: pids, why: "an earlier berth's warm records" },
    ];
    const args = [new Set([liveKey]), new Set(['berth-warm-jq-live']), 'server-111111111111-'] as const;
    expect(prunableWarmFiles(...args).sort((a, b) => a.path.localeCompare(b.path))).toEqual(wanted.sort((a, b) => a.path.localeCompare(b.path)));
    for (const f of [live, gone, young, usedLive, usedGone, server, oldServer, pause, pids]) expect(existsSync(f)).toBe(true);
    expect(pruneWarmFiles(...args)).toHaveLength(5);
    expect([live, young, usedLive, server].every(existsSync)).toBe(true);
    expect(wanted.some((w) => existsSync(w.path))).toBe(false);
  });
});
