// Issue 12 §3 and §6: a failed pull says why in words a user can act on.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

describe('failed pulls', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = makeSandbox();
  });

  it('an unreachable registry points at the mirror setting, --image and --pull never', async () => {
    writeRecipe(sb, { name: 'offline', image: '127.0.0.1:9/berth-test/offline:1' });
    const r = await berth(sb, ['run', '-q', 'offline']);
    expect(r.code).toBe(125);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^berth: pulling 127\.0\.0\.1:9\/berth-test\/offline:1/);
    expect(lines[0]).toContain('(the engine cannot reach 127.0.0.1:9: point berth at a mirror with berth config set registryMirror HOST:PORT, run another image with --image, or run what is cached with --pull never)');
  });

  it('a digest the registry no longer has suggests berth sync --update; an unknown tag says to check the version', async () => {
    const repo = `${inject('registry')}/berth-test/fixture`;
    writeRecipe(sb, { name: 'gone', image: `${repo}:1`, digest: `sha256:${'0'.repeat(64)}` });
    const gone = await berth(sb, ['run', '-q', 'gone']);
    expect(gone.code).toBe(125);
    expect(gone.stderr).toContain('(the registry no longer has this digest; in a project whose berth.lock locks it, berth sync --update locks what the tag names now)');
    writeRecipe(sb, { name: 'notag', image: `${repo}:no-such-tag` });
    const notag = await berth(sb, ['run', '-q', 'notag']);
    expect(notag.code).toBe(125);
    expect(notag.stderr).toContain('(the registry has no no-such-tag for berth-test/fixture: check the version)');
  });
});

describe('berth sync with failing tools', () => {
  it('reports every tool that failed, one line each, and leaves berth.lock unwritten', async () => {
    const sb = makeSandbox();
    const [repo] = inject('registryFixtureRef').split(/:(?=[^:/]+$)/);
    writeRecipe(sb, { name: 'good', image: `${repo}:{version}`, version: '1' });
    writeRecipe(sb, { name: 'bad-a', image: '127.0.0.1:9/berth-test/a:{version}', version: '1' });
    writeRecipe(sb, { name: 'bad-b', image: '127.0.0.1:9/berth-test/b:{version}', version: '2' });
    const { mkdirSync, existsSync } = await import('node:fs');
    const path = await import('node:path');
    const project = path.join(sb.root, 'project');
    mkdirSync(project);
    expect((await berth(sb, ['use', 'bad-a', 'good', 'bad-b'], { cwd: project })).code).toBe(0);
    const r = await berth(sb, ['sync', '-q'], { cwd: project });
    expect(r.code).toBe(125);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`berth: sync: 2 of 3 tools failed; ${project}/berth.lock is unchanged`);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^berth: bad-a 1: pulling 127\.0\.0\.1:9\/berth-test\/a:1/);
    expect(lines[2]).toMatch(/^berth: bad-b 2: pulling 127\.0\.0\.1:9\/berth-test\/b:2/);
    expect(existsSync(path.join(project, 'berth.lock'))).toBe(false);
  });
});

describe('berth install whose pull fails', () => {
  it('says the shim is installed', async () => {
    const sb = makeSandbox();
    writeRecipe(sb, { name: 'unpulled', image: '127.0.0.1:9/berth-test/unpulled:1' });
    const path = await import('node:path');
    const { existsSync } = await import('node:fs');
    const shimDir = path.join(sb.root, 'bin');
    const r = await berth(sb, ['install', '-q', 'unpulled'], { env: { BERTH_SHIM_DIR: shimDir } });
    expect(r.code).toBe(125);
    expect(r.stdout.toString()).toContain(`installed unpulled -> ${shimDir}/unpulled`);
    expect(r.stderr.trimEnd()).toMatch(/\(the shim is installed; the image is pulled again at the first run\)$/);
    expect(existsSync(path.join(shimDir, 'unpulled'))).toBe(true);
  });
});

/** A registry on loopback that answers its ping, then never answers for a manifest. */
async function stallingRegistry(): Promise<{ port: number; held: unknown[]; close: () => void }> {
  const { createServer } = await import('node:http');
  const held: import('node:http').ServerResponse[] = [];
  const registry = createServer((req, res) => {
    if (req.url === '/v2/' || req.url === '/v2') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Docker-Distribution-API-Version': 'registry/2.0' }).end('{}');
      return;
    }
    held.push(res);
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  const port = (registry.address() as import('node:net').AddressInfo).port;
  return {
    port,
    held,
    close: () => {
      for (const res of held) res.destroy();
      registry.close();
    },
  };
}

describe('deadlines', () => {
  it('a registry that stalls mid-pull fails the run in one line once no progress comes for BERTH_PULL_STALL seconds', async () => {
    const { port, held, close } = await stallingRegistry();
    try {
      const sb = makeSandbox();
      writeRecipe(sb, { name: 'stalled', image: `127.0.0.1:${port}/berth-test/stalled:1` });
      const started = Date.now();
      const r = await berth(sb, ['run', '-q', 'stalled'], { env: { BERTH_PULL_STALL: '3' }, timeoutMs: 60_000 });
      expect(r.code).toBe(125);
      expect(r.stderr).toBe(`berth: pulling 127.0.0.1:${port}/berth-test/stalled:1 made no progress for 3 s: 127.0.0.1:${port} (or the engine) stalled; try again, or point berth at a mirror (berth config set registryMirror HOST:PORT)\n`);
      expect(held.length).toBeGreaterThan(0);
      // (Not a benchmark: the run ended on the stall, not on some other limit.)
      expect(Date.now() - started).toBeLessThan(45_000);
    } finally {
      close();
    }
  });

  it('SIGTERM stops berth during a pull, and the next berth takes over its pull lock', async () => {
    const { port, held, close } = await stallingRegistry();
    try {
      const sb = makeSandbox();
      writeRecipe(sb, { name: 'interrupted', image: `127.0.0.1:${port}/berth-test/interrupted:1` });
      let err = '';
      let child: import('node:child_process').ChildProcess | undefined;
      const first = berth(sb, ['run', 'interrupted'], {
        onSpawn: (c) => {
          child = c;
          c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
        },
      });
      const deadline = Date.now() + 20_000;
      while (!err.includes('pulling') || held.length === 0) {
        if (Date.now() > deadline) throw new Error(`no pull started: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child!.kill('SIGTERM');
      const r = await first;
      expect(String(r.signal ?? r.code)).toMatch(/^(SIGTERM|143)$/);
      // The lock of the killed berth is taken over: this one pulls (and stalls) instead of waiting.
      const next = await berth(sb, ['run', '-q', 'interrupted'], { env: { BERTH_PULL_STALL: '2' }, timeoutMs: 30_000 });
      expect(next.code).toBe(125);
      expect(next.stderr).toContain('made no progress for 2 s');
    } finally {
      close();
    }
  });

  it('a berth stopped (SIGSTOP) while it holds a pull lock does not keep the others waiting for ever', async () => {
    const { port, held, close } = await stallingRegistry();
    let first: import('node:child_process').ChildProcess | undefined;
    try {
      const sb = makeSandbox();
      writeRecipe(sb, { name: 'frozen', image: `127.0.0.1:${port}/berth-test/frozen:1` });
      let err = '';
      const firstResult = berth(sb, ['run', 'frozen'], {
        env: { BERTH_PULL_STALL: '600' },
        onSpawn: (c) => {
          first = c;
          c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
        },
      });
      const deadline = Date.now() + 20_000;
      while (!err.includes('pulling') || held.length === 0) {
        if (Date.now() > deadline) throw new Error(`no pull started: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      first!.kill('SIGSTOP');
      // Its lock is not freshened any more: the next berth takes it over (after 2 x 2 s here) and
      // pulls itself, failing on the stalled registry instead of waiting.
      const next = await berth(sb, ['run', '-q', 'frozen'], { env: { BERTH_PULL_STALL: '2' }, timeoutMs: 40_000 });
      expect(next.code).toBe(125);
      expect(next.stderr).toContain('made no progress for 2 s');
      first!.kill('SIGKILL');
      await firstResult.catch(() => undefined);
    } finally {
      first?.kill('SIGKILL');
      close();
    }
  });

  it('an engine that accepts connections and never answers fails run, gc and doctor in one line', async () => {
    const { createServer } = await import('node:net');
    const path = await import('node:path');
    const sb = makeSandbox();
    writeRecipe(sb, { name: 'hung', image: inject('fixtureImage') });
    const socket = path.join(sb.root, 'hung.sock');
    const accepted: import('node:net').Socket[] = [];
    const hung = createServer((c) => accepted.push(c.on('error', () => undefined)));
    await new Promise<void>((r) => hung.listen(socket, r));
    try {
      const env = { DOCKER_HOST: `unix://${socket}`, BERTH_ENGINE_TIMEOUT: '2' };
      const run = await berth(sb, ['run', 'hung', 'true'], { env, timeoutMs: 30_000 });
      expect(run.code).toBe(125);
      expect(run.stderr).toMatch(/^berth: .*: the Docker engine at unix:\/\/\S+hung\.sock accepted the connection but did not answer in time \(is it hung\? BERTH_ENGINE_TIMEOUT sets the deadline in seconds\)\n$/);
      const gc = await berth(sb, ['gc'], { env, timeoutMs: 30_000 });
      expect(gc.code).toBe(125);
      expect(gc.stderr).toContain('did not answer in time');
      const doctor = await berth(sb, ['doctor'], { env, timeoutMs: 30_000 });
      expect(doctor.code).toBe(1);
      expect(doctor.stdout.toString()).toMatch(/^problem engine not reachable/m);
    } finally {
      for (const c of accepted) c.destroy();
      hung.close();
    }
  });
});

describe('the registry mirror', () => {
  it('serves pulls of docker.io images (recipe and --image), and an image the engine has runs without it', async () => {
    const sb = makeSandbox();
    const id = `${process.pid}-${Date.now()}`;
    const { execFileSync } = await import('node:child_process');
    const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
    // In the mirror only: docker.io has no such repository.
    const mirrored = `${inject('registry')}/library/berth-mirrored-${id}:1`;
    docker('tag', inject('fixtureImage'), mirrored);
    docker('push', mirrored);
    docker('rmi', mirrored);
    writeRecipe(sb, { name: 'mirrored', image: `docker.io/library/berth-mirrored-${id}:1` });
    const viaMirror = await berth(sb, ['run', '-q', 'mirrored', 'echo', 'ok'], { env: { BERTH_REGISTRY_MIRROR: inject('registry') } });
    expect([viaMirror.code, viaMirror.stderr, viaMirror.stdout.toString()]).toEqual([0, '', 'ok\n']);
    docker('rmi', mirrored);
    const viaImage = await berth(sb, ['run', '-q', '--image', `docker.io/library/berth-mirrored-${id}:1`, 'mirrored', 'echo', 'ok'], { env: { BERTH_REGISTRY_MIRROR: inject('registry') } });
    expect([viaImage.code, viaImage.stderr, viaImage.stdout.toString()]).toEqual([0, '', 'ok\n']);
    docker('rmi', mirrored);
    // Local under its own name, with a mirror that cannot be reached: it runs, nothing is pulled.
    const local = `docker.io/library/berth-local-${id}:1`;
    docker('tag', inject('fixtureImage'), local);
    writeRecipe(sb, { name: 'local', image: local });
    try {
      const r = await berth(sb, ['run', 'local', 'echo', 'ok'], { env: { BERTH_REGISTRY_MIRROR: '127.0.0.1:9' } });
      expect([r.code, r.stderr, r.stdout.toString()]).toEqual([0, '', 'ok\n']);
    } finally {
      docker('rmi', local);
    }
  });
});
