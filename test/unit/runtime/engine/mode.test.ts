// Whether the engine is rootless: read from its /info answer, kept per endpoint and socket file.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerClient } from '../../../../src/runtime/http/docker-client.js';
import { engineMode, kindFromInfo, platformFromInfo, rootlessFromInfo } from '../../../../src/runtime/engine/mode.js';

// Answers as engines give them (abridged to the fields that matter, plus one beside them).
const DOCKER_ROOTFUL = { ServerVersion: '20.10.24+dfsg1', SecurityOptions: ['name=seccomp,profile=default'] }; // this machine's dockerd
const DOCKER_ROOTLESS = { ServerVersion: '27.3.1', SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns'] };
// Podman 4.3.1's compat /info, measured here: rootless only in `Rootless`, not in SecurityOptions.
const PODMAN_43_ROOTLESS = { ServerVersion: '4.3.1', SecurityOptions: ['name=seccomp,profile=default'], Rootless: true };
const PODMAN_43_ROOTFUL = { ServerVersion: '4.3.1', SecurityOptions: ['name=seccomp,profile=default'], Rootless: false };
// Later Podman adds name=rootless to SecurityOptions too.
const PODMAN_ROOTLESS = { ServerVersion: '5.2.0', SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'], Rootless: true };
// libpod's own /libpod/info.
const LIBPOD_ROOTLESS = { host: { security: { rootless: true, seccompEnabled: true } }, version: { Version: '4.3.1' } };
const LIBPOD_ROOTFUL = { host: { security: { rootless: false, seccompEnabled: true } }, version: { Version: '4.3.1' } };

describe('rootlessFromInfo', () => {
  it('reads Docker, Podman compat and libpod answers', () => {
    expect(rootlessFromInfo(DOCKER_ROOTFUL)).toBe(false);
    expect(rootlessFromInfo(DOCKER_ROOTLESS)).toBe(true);
    expect(rootlessFromInfo(PODMAN_43_ROOTLESS)).toBe(true);
    expect(rootlessFromInfo(PODMAN_43_ROOTFUL)).toBe(false);
    expect(rootlessFromInfo(PODMAN_ROOTLESS)).toBe(true);
    expect(rootlessFromInfo(LIBPOD_ROOTLESS)).toBe(true);
    expect(rootlessFromInfo(LIBPOD_ROOTFUL)).toBe(false);
  });

  it('takes anything it does not recognise for rootful', () => {
    for (const answer of [
      undefined,
      null,
      'name=rootless',
      ['name=rootless'],
      {},
      { SecurityOptions: null },
      { SecurityOptions: 'name=rootless' },
      { SecurityOptions: ['name=rootlessish', 'rootless', 'name=seccomp,profile=rootless'] },
      { Rootless: 'true' },
      { Rootless: 1 },
      { host: { security: { rootless: 'yes' } } },
      { host: null },
    ]) {
      expect(rootlessFromInfo(answer), JSON.stringify(answer)).toBe(false);
    }
  });
});

describe('kindFromInfo', () => {
  it('tells Podman (compat: BuildahVersion; libpod) from Docker', () => {
    // Podman 4.3.1's compat /info, measured here, carries BuildahVersion beside Docker's fields.
    expect(kindFromInfo({ ...PODMAN_43_ROOTFUL, BuildahVersion: '1.28.2' })).toBe('podman');
    expect(kindFromInfo(LIBPOD_ROOTFUL)).toBe('podman');
    expect(kindFromInfo(DOCKER_ROOTFUL)).toBe('docker');
    expect(kindFromInfo(DOCKER_ROOTLESS)).toBe('docker');
    for (const answer of [undefined, null, 'BuildahVersion', {}, { BuildahVersion: 1 }, { host: {}, version: '4.3.1' }]) {
      expect(kindFromInfo(answer), JSON.stringify(answer)).toBe('docker');
    }
  });
});

/**
 * A stand-in engine on a unix socket (or TCP): answers every request with `answer()` (a status and
 * a body, or 'hang' to say nothing), and counts the requests.
 */
class FakeEngine {
  requests = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  constructor(public answer: () => { status: number; body: string } | 'hang') {}

  listen(where: string | 0): Promise<string> {
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      let buffered = '';
      socket.on('error', () => undefined);
      socket.on('data', (d) => {
        buffered += d.toString('latin1');
        for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
          buffered = buffered.slice(end + 4);
          this.requests++;
          const a = this.answer();
          if (a === 'hang') continue;
          socket.write(`HTTP/1.1 ${a.status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(a.body)}\r\n\r\n${a.body}`);
        }
      });
    });
    this.server = server;
    return new Promise((resolve) =>
      server.listen(where === 0 ? { host: '127.0.0.1', port: 0 } : where, () => {
        resolve(where === 0 ? `tcp://127.0.0.1:${(server.address() as AddressInfo).port}` : `unix://${where}`);
      }),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server?.listening) return resolve();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}

const json = (body: unknown) => () => ({ status: 200, body: JSON.stringify(body) });

describe('engineMode', () => {
  let dir: string;
  let socket: string;
  const saved = { DOCKER_HOST: process.env.DOCKER_HOST, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR };
  const engines: FakeEngine[] = [];

  /** Starts a stand-in engine and points DOCKER_HOST at it. */
  async function engine(answer: FakeEngine['answer'], where: string | 0 = socket): Promise<FakeEngine> {
    const e = new FakeEngine(answer);
    engines.push(e);
    process.env.DOCKER_HOST = await e.listen(where);
    return e;
  }

  /** engineMode with a client of its own (as each berth process has), closed after. */
  async function ask(options?: Parameters<typeof engineMode>[1]) {
    const api = new DockerClient();
    try {
      return await engineMode(api, options);
    } finally {
      api.close();
    }
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'berth-engine-mode-'));
    socket = path.join(dir, 'engine.sock');
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
    // Where rootless engines make their sockets: the only place a "rootless" answer is kept for.
    process.env.XDG_RUNTIME_DIR = dir;
  });

  afterEach(async () => {
    for (const e of engines.splice(0)) await e.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks once per socket, and keeps the answer 0600 in a 0700 directory', async () => {
    const e = await engine(json(DOCKER_ROOTLESS));
    expect(await ask()).toMatchObject({ rootless: true, source: 'asked' });
    expect(await ask()).toMatchObject({ rootless: true, source: 'cached' });
    expect(e.requests).toBe(1);
    const engines = path.join(dir, 'cache', 'berth', 'engines');
    expect(statSync(engines).mode & 0o777).toBe(0o700);
    const files = readdirSync(engines);
    expect(files).toHaveLength(1);
    expect(statSync(path.join(engines, files[0]!)).mode & 0o777).toBe(0o600);
  });

  it('keeps the kind with the answer, and asks again for an entry kept without it', async () => {
    const e = await engine(json({ ...PODMAN_43_ROOTLESS, BuildahVersion: '1.28.2' }));
    expect(await ask()).toEqual({ rootless: true, kind: 'podman', platform: '', source: 'asked' });
    expect(await ask()).toEqual({ rootless: true, kind: 'podman', platform: '', source: 'cached' });
    expect(e.requests).toBe(1);
    // An entry as berth kept it before the kind: no kind.
    const engines = path.join(dir, 'cache', 'berth', 'engines');
    const file = path.join(engines, readdirSync(engines)[0]!);
    const { kind: _kind, ...old } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify(old));
    expect(await ask()).toMatchObject({ kind: 'podman', source: 'asked' });
    expect(e.requests).toBe(2);
  });

  it("keeps the engine's platform (GOARCH names), and asks again for an entry kept without it", async () => {
    const e = await engine(json({ OSType: 'linux', Architecture: 'aarch64' }));
    expect(await ask()).toMatchObject({ platform: 'linux/arm64', source: 'asked' });
    expect(await ask()).toMatchObject({ platform: 'linux/arm64', source: 'cached' });
    const engines = path.join(dir, 'cache', 'berth', 'engines');
    const file = path.join(engines, readdirSync(engines)[0]!);
    const { platform: _platform, ...old } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify(old));
    expect(await ask()).toMatchObject({ platform: 'linux/arm64', source: 'asked' });
    expect(e.requests).toBe(2);
    expect(platformFromInfo({ OSType: 'linux', Architecture: 'x86_64' })).toBe('linux/amd64');
    expect(platformFromInfo({ host: { os: 'linux', arch: 'arm64' } })).toBe('linux/arm64');
    expect(platformFromInfo({ OSType: 'linux', Architecture: '../../x' })).toBe('');
  });

  it('keeps no "rootless" answer for a socket outside the runtime directory (a forward, a proxy): asked each run', async () => {
    process.env.XDG_RUNTIME_DIR = path.join(dir, 'runtime');
    const e = await engine(json(DOCKER_ROOTLESS));
    expect(await ask()).toMatchObject({ rootless: true, source: 'asked' });
    expect(await ask()).toMatchObject({ rootless: true, source: 'asked' });
    expect(e.requests).toBe(2);
  });

  it('asks again when the socket is a new one at the same path (a restarted engine, a swapped proxy)', async () => {
    const rootless = await engine(json(PODMAN_43_ROOTLESS));
    expect((await ask()).rootless).toBe(true);
    await rootless.close(); // removes the socket file
    // The file system may give the new socket the old one's inode number; its ctime differs (file
    // timestamps are as coarse as the kernel's tick: a few ms).
    await new Promise((r) => setTimeout(r, 20));
    // Another listener there: a rootful engine behind a proxy the user owns.
    const rootful = await engine(json(DOCKER_ROOTFUL));
    expect(await ask()).toMatchObject({ rootless: false, source: 'asked' });
    expect(rootful.requests).toBe(1);
  });

  it('asks again when the socket file changed (its ctime: chmod, chown)', async () => {
    const e = await engine(json(DOCKER_ROOTLESS));
    await ask();
    await new Promise((r) => setTimeout(r, 10));
    chmodSync(socket, 0o600);
    expect((await ask()).source).toBe('asked');
    expect(e.requests).toBe(2);
  });

  it('takes an engine that cannot say for rootful, and keeps nothing of it', async () => {
    let answer: ReturnType<FakeEngine['answer']> = { status: 500, body: '{"message":"boom"}' };
    const e = await engine(() => answer);
    expect(await ask()).toEqual({ rootless: false, kind: 'docker', platform: '', source: 'assumed', reason: 'GET /info: boom' });
    answer = { status: 200, body: 'not json' };
    expect(await ask()).toMatchObject({ rootless: false, source: 'assumed', reason: 'GET /info: not a JSON object' });
    answer = 'hang';
    const started = Date.now();
    expect(await ask({ timeoutMs: 200 })).toMatchObject({ rootless: false, source: 'assumed', reason: 'GET /info: the engine did not answer in time' });
    expect(Date.now() - started).toBeLessThan(2000);
    answer = { status: 200, body: JSON.stringify(DOCKER_ROOTLESS) };
    expect(await ask()).toMatchObject({ rootless: true, source: 'asked' });
    expect(e.requests).toBe(4);
  });

  it('takes an unreachable engine for rootful', async () => {
    process.env.DOCKER_HOST = `unix://${socket}`; // nothing listens
    expect(await ask()).toMatchObject({ rootless: false, source: 'assumed' });
  });

  it('fresh asks regardless of what is kept, and keeps the new answer', async () => {
    let body: unknown = DOCKER_ROOTLESS;
    const e = await engine(() => ({ status: 200, body: JSON.stringify(body) }));
    await ask();
    body = DOCKER_ROOTFUL;
    expect(await ask({ fresh: true })).toMatchObject({ rootless: false, source: 'asked' });
    expect(await ask()).toMatchObject({ rootless: false, source: 'cached' });
    expect(e.requests).toBe(2);
  });

  it('over TCP, where nothing identifies the engine, keeps "rootful" only', async () => {
    let body: unknown = DOCKER_ROOTLESS;
    const e = await engine(() => ({ status: 200, body: JSON.stringify(body) }), 0);
    expect(await ask()).toMatchObject({ rootless: true, source: 'asked' });
    expect(await ask()).toMatchObject({ rootless: true, source: 'asked' });
    body = DOCKER_ROOTFUL;
    expect(await ask()).toMatchObject({ rootless: false, source: 'asked' });
    expect(await ask()).toMatchObject({ rootless: false, source: 'cached' });
    expect(e.requests).toBe(3);
  });
});
