// How a warm call reaches its server: the socket where the engine shares this machine's files and
// kernel, exec where it cannot (issue 14).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { endpointKey } from '../../../src/runtime/engine/mode.js';
import { warmTransport } from '../../../src/warm/run-warm.js';
import { rememberSocketsUnshared } from '../../../src/warm/state.js';

describe('warmTransport', () => {
  const saved = { ...process.env };
  let cache: string;
  beforeEach(() => {
    cache = mkdtempSync(path.join(tmpdir(), 'berth-transport-'));
    process.env.XDG_CACHE_HOME = cache;
    delete process.env.BERTH_WARM_TRANSPORT;
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(cache, { recursive: true, force: true });
  });

  it('uses the socket for a local engine until it is found not to share it, then exec for that endpoint only', () => {
    const local = { kind: 'unix', path: '/var/run/docker.sock' } as const;
    const loopback = { kind: 'tcp', hostname: '127.0.0.1', port: 2375 } as const;
    expect(warmTransport(local)).toBe('socket');
    expect(warmTransport(loopback)).toBe('socket');
    rememberSocketsUnshared(endpointKey(loopback));
    expect(warmTransport(loopback)).toBe('exec');
    expect(warmTransport(local)).toBe('socket');
  });

  it('uses exec for ssh:// engines and tcp:// engines on other hosts without trying', () => {
    expect(warmTransport({ kind: 'ssh', url: 'ssh://me@box', hostname: 'box', port: 0 })).toBe('exec');
    expect(warmTransport({ kind: 'tls', hostname: 'docker.example', port: 2376 })).toBe('exec');
  });

  it('follows BERTH_WARM_TRANSPORT', () => {
    process.env.BERTH_WARM_TRANSPORT = 'exec';
    expect(warmTransport({ kind: 'unix', path: '/var/run/docker.sock' })).toBe('exec');
    process.env.BERTH_WARM_TRANSPORT = 'socket';
    expect(warmTransport({ kind: 'ssh', url: 'ssh://box', hostname: 'box', port: 0 })).toBe('socket');
  });
});
