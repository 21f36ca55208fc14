// How a warm call reaches its server: the socket where the engine shares this machine's files and
// kernel, exec where it cannot (issue 14).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunPlan } from '../../../src/core/run/plan.js';
import { EngineApiError, type ContainerSpec, type ImageFacts } from '../../../src/runtime/engine-client.js';
import { endpointKey } from '../../../src/runtime/engine/mode.js';
import { runWarm, warmTransport } from '../../../src/warm/run-warm.js';
import { rememberSocketsUnshared } from '../../../src/warm/state.js';
import { FakeEngine, fakeIO } from '../runtime/fake-engine-client.js';

/** A frame of the engine's multiplexed stream, or of the warm server's protocol: the same 8-byte header. */
function framed(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/**
 * An exec of the server's relay as the engine streams it: once berth's request arrives, the
 * server's answer (started, the tool's stdout, its exit status), inside the engine's stdout frames.
 */
function relayStream(stdout: string, status: number): Duplex {
  const exit = Buffer.alloc(4);
  exit.writeUInt32BE(status);
  const server = Buffer.concat([framed(6, Buffer.alloc(0)), framed(1, Buffer.from(stdout)), framed(3, exit)]);
  let answered = false;
  const stream: Duplex = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      if (!answered) {
        answered = true;
        // Split across engine frames, as a stream may arrive.
        stream.push(framed(1, server.subarray(0, 5)));
        stream.push(framed(1, server.subarray(5)));
      }
      callback();
    },
    final(callback) {
      stream.push(null);
      callback();
    },
  });
  return stream;
}

/** Each test with a cache of its own (what berth remembers of endpoints), and no transport forced. */
function useOwnCache(): void {
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
}

describe('warmTransport', () => {
  useOwnCache();

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

describe('runWarm on an engine whose containers cannot share berth\'s socket', () => {
  useOwnCache();
  const IMAGE = 'registry.test/faketool:1';
  const FACTS: ImageFacts = { id: `sha256:${'f'.repeat(64)}`, size: 1, repoDigests: [], entrypoint: ['/faketool'], cmd: [] };
  const plan: RunPlan = {
    tool: 'faketool', version: '1', image: IMAGE, entrypoint: [], cmd: ['hello'], env: [], mounts: [], workdir: '/',
    network: 'none', tty: false, stdin: false, labels: {},
  };
  it('finds it out at the first call (no such path to mount), runs that call through exec, and keeps exec for the endpoint', async () => {
    const engine = new FakeEngine();
    engine.images.set(FACTS.id, FACTS);
    engine.runsUntilSignalled = true;
    // A remote engine: berth's cache is no path there.
    engine.on.createContainer = (spec) => {
      const mounts = (spec as ContainerSpec).HostConfig.Mounts ?? [];
      if (mounts.some((m) => m.Target === '/dev/.berth-server')) throw new EngineApiError(400, { message: 'invalid mount config for type "bind": bind source path does not exist: /x' });
    };
    engine.startExec = async (execId: string) => {
      engine.calls.push({ method: 'startExec', args: [execId] });
      return relayStream('from the tool\n', 7);
    };
    const io = fakeIO();
    expect(await runWarm(engine, plan, FACTS, io, { idleSeconds: 60 })).toBe(7);
    expect(io.out()).toBe('from the tool\n');
    expect(io.err()).toBe('');
    // The exec-served container: the server put in before the start, no mount of berth's cache.
    const created = engine.calls.filter((c) => c.method === 'createContainer').map((c) => c.args[0] as ContainerSpec);
    expect(created).toHaveLength(2);
    expect(created[1]!.Entrypoint).toEqual(['/.berth-server']);
    expect(created[1]!.HostConfig.Mounts ?? []).toEqual([]);
    // No container yet (the exec tried before and under the creation lock), made, then the call.
    expect(engine.methods(['putArchive', 'startContainer', 'createExec', 'startExec'])).toEqual(['createExec', 'createExec', 'putArchive', 'startContainer', 'createExec', 'startExec']);
    expect(engine.calls.find((c) => c.method === 'createExec')!.args[1]).toMatchObject({ Cmd: ['/.berth-server', '--relay', '/dev/shm/.berth-warm'] });
    expect(warmTransport(engine.endpoint)).toBe('exec');

    // The next call: straight to the same container's exec, nothing created.
    const before = engine.calls.length;
    expect(await runWarm(engine, plan, FACTS, fakeIO(), { idleSeconds: 60 })).toBe(7);
    expect(engine.calls.slice(before).map((c) => c.method)).toEqual(['createExec', 'startExec']);
  });
});
