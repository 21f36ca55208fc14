// ssh:// engines (issue 14): berth reaches the engine through the system ssh and the far side's
// `docker system dial-stdio`, every request of a run sharing one ssh connection. sshd runs on
// loopback (test/harness/sshd.ts), key-only, its host key in the client's known_hosts; the far
// side's docker is this machine's engine, so the run's files are the sandbox's.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeSharedConnections, startSshd, type Sshd } from '../harness/sshd.js';
import { BERTH, berth, berthInTerminal, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

describe('an engine over ssh://', () => {
  let sshd: Sshd;
  let sb: Sandbox;
  const SUFFIX = String(process.pid);


  const run = (args: string[], options: Parameters<typeof berth>[2] = {}) => berth(sb, ['run', ...args], options);

  beforeAll(async () => {
    sshd = await startSshd();
    sb = makeSandbox();
    sb.env.PATH = sshd.path;
    sb.env.DOCKER_HOST = sshd.url;
    writeRecipe(sb, { name: 'fx', image: inject('fixtureImage') });
    writeRecipe(sb, { name: `fxw-${SUFFIX}`, image: inject('fixtureImage'), warm: true });
  }, 60_000);

  afterAll(async () => {
    if (sb) {
      closeSharedConnections(sb.cache, sb.env);
      // Warm containers of this file's tools.
      const ids = execFileSync('docker', ['ps', '-aq', '--filter', 'label=berth.warm=true', '--filter', `label=berth.tool=fxw-${SUFFIX}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
      if (ids.length) execFileSync('docker', ['rm', '-f', ...ids]);
    }
    await sshd?.stop();
  });

  it('runs a tool: files, exit codes, stdout and stderr apart, stdin', async () => {
    const r = await run(['fx', 'sh', '-c', 'cat > from-tool.txt; echo out; echo err >&2; exit 7'], { input: 'over ssh\n' });
    expect(r.code).toBe(7);
    expect(r.stdout.toString()).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(readFileSync(path.join(sb.work, 'from-tool.txt'), 'utf8')).toBe('over ssh\n');
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const cat = await run(['fx', 'cat'], { input: big });
    expect(cat.code).toBe(0);
    expect(cat.stdout.equals(big)).toBe(true);
  });

  it('costs one ssh connection set-up per run, however many requests it has in flight', async () => {
    closeSharedConnections(sb.cache, sb.env);
    const before = { connections: sshd.connections(), sessions: sshd.sessions() };
    const r = await run(['fx', 'sh', '-c', 'echo hi'], { input: 'x' });
    expect(r.code).toBe(0);
    // One connection; the run's requests (inspect, create, attach, start, wait) went in sessions of it.
    expect(sshd.connections() - before.connections).toBe(1);
    expect(sshd.sessions() - before.sessions).toBeGreaterThan(1);
    // The next run within the shared connection's persist time sets up none.
    const again = await run(['fx', 'true']);
    expect(again.code).toBe(0);
    expect(sshd.connections() - before.connections).toBe(1);
  });

  it('reaches the engine of an ssh docker context, when DOCKER_HOST is not set', async () => {
    const config = path.join(sb.root, 'docker-config');
    const meta = path.join(config, 'contexts', 'meta', createHash('sha256').update('buildbox').digest('hex'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: 'buildbox' }));
    writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: 'buildbox', Endpoints: { docker: { Host: sshd.url } } }));
    const before = sshd.sessions();
    const r = await run(['fx', 'sh', '-c', 'echo via context'], { env: { DOCKER_HOST: undefined, DOCKER_CONFIG: config } });
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, 'via context\n', '']);
    expect(sshd.sessions()).toBeGreaterThan(before);
  });

  it("forwards signals to the tool; a terminal's Ctrl-C to berth's process group does not end the ssh connection", async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      // Its own process group, signalled as a whole, as a terminal signals its foreground job.
      const child = spawn(process.execPath, [BERTH, 'run', 'fx', 'trap-signals'], { cwd: sb.work, env: sb.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = new Promise<number | null>((resolve) => child.on('close', resolve));
      for (let i = 0; i < 500 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(out).toContain('ready');
      process.kill(-child.pid!, signal);
      expect(await code).toBe(0);
      expect(out).toContain(`got ${signal.slice(3)}`);
      expect(err).toBe('');
    }
  });

  it('gives a TTY when stdin and stdout are a terminal', async () => {
    const r = await berthInTerminal(sb, ['run', 'fx', 'tty-info'], { rows: 31, cols: 97 });
    expect(r.code).toBe(0);
    expect(r.output).toContain('stdin=tty stdout=tty');
    expect(r.output).toContain('size=31 97');
    expect(r.restored).toBe(true);
  });

  describe('warm calls, through exec (the engine shares no socket with berth)', () => {
    const tool = () => `fxw-${SUFFIX}`;
    const warmContainers = () =>
      execFileSync('docker', ['ps', '-aq', '--no-trunc', '--filter', 'label=berth.warm=true', '--filter', `label=berth.tool=${tool()}`], { encoding: 'utf8' }).split('\n').filter(Boolean);

    it('runs every call in the same container, with exit codes, stdin, stdout and stderr, the calls sharing one ssh connection', async () => {
      const first = await run([tool(), 'sh', '-c', 'cat; echo "pid=$$" >&2; cat /proc/1/cmdline | tr "\\0" " "; exit 9'], { input: 'in-1\n' });
      expect(first.code).toBe(9);
      expect(first.stdout.toString()).toMatch(/^in-1\n/);
      // The container's main process is berth's warm server (under the engine's init), not the tool.
      expect(first.stdout.toString()).toContain('.berth-server');
      const [id] = warmContainers();
      expect(warmContainers()).toHaveLength(1);
      // Nothing of berth's cache is mounted: the server is in the container's own files.
      const mounts = execFileSync('docker', ['inspect', '--format', '{{range .Mounts}}{{.Destination}} {{end}}', id!], { encoding: 'utf8' });
      expect(mounts).not.toContain('.berth');
      closeSharedConnections(sb.cache, sb.env);
      const before = sshd.connections();
      for (const code of [0, 3, 255]) {
        const r = await run([tool(), 'sh', '-c', `cat; echo err >&2; exit ${code}`], { input: `in-${code}` });
        expect(r.code).toBe(code);
        expect(r.stdout.toString()).toBe(`in-${code}`);
        expect(r.stderr).toBe('err\n');
      }
      expect(sshd.connections() - before).toBe(1);
      expect(warmContainers()).toEqual([id]);
      // Signals reach the tool through the server (the engine cannot signal an exec).
      const killed = await run([tool(), 'sh', '-c', 'kill -TERM $$']);
      expect(killed.code).toBe(143);
    });
  });

  describe('an endpoint berth cannot use says so in one line, exit 125', () => {
    const unusable = async (url: string, words: RegExp) => {
      const r = await run(['fx', 'true'], { env: { DOCKER_HOST: url }, timeoutMs: 30_000 });
      expect(r.code).toBe(125);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^berth: cannot reach the Docker engine at ssh:\/\//);
      expect(r.stderr).toMatch(words);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    };
    it('a host that does not resolve', () => unusable('ssh://root@berth-no-such-host.invalid', /Could not resolve hostname/));
    it('a port nothing listens on', async () => {
      // sshd's port, once it is stopped, would do too; a port of a closed listener is refused.
      const { createServer } = await import('node:net');
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      await new Promise((resolve) => server.close(resolve));
      await unusable(`ssh://root@127.0.0.1:${port}`, /Connection refused/);
    });
    it('a far side without docker', () => unusable(`ssh://root@127.0.0.1:${sshd.noDockerPort}`, /not found.*is docker installed on the far side/));
    it('a host whose key ssh does not know (berth adds no trust: ssh refuses, never prompts)', () =>
      unusable(`ssh://root@localhost:${sshd.port}`, /Host key verification failed/));
    it('an address that is not one', () => unusable('ssh://root@-oProxyCommand=touch%20x', /not one/));
  });
});
