// Issue 12 §3: whether a container's berth is gone is proven, not guessed from hostname + pid. A
// berth in another PID namespace (same host name, same cache) whose pid is free here keeps its
// container through gc and other runs' sweeps; once it is killed, its container is removed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { asUser, BERTH, berth, ENGINE_SOCKET, makeSandbox, ON_PODMAN, ON_ROOTLESS, writeRecipe, type Sandbox } from '../support/berth.js';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

const until = async (what: string, ok: () => boolean, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

// unshare -p needs root: on rootless Podman berth runs as its user.
describe.skipIf(ON_ROOTLESS)('orphans across PID namespaces', () => {
  let sb: Sandbox;
  const tool = `pidns-${process.pid}`;
  const containers = () => docker('ps', '-aq', '--filter', `label=berth.tool=${tool}`).split('\n').filter(Boolean);

  let child: ReturnType<typeof spawn> | undefined;

  beforeAll(() => {
    sb = makeSandbox();
    writeRecipe(sb, { name: tool, image: inject('fixtureImage') });
    // Whatever happens, nothing of this test outlives it.
    return () => {
      if (child?.exitCode === null) {
        // unshare's child is the namespace's init: killed, it takes every process in it along.
        spawnSync('pkill', ['-KILL', '-P', String(child.pid)]);
        child.kill('SIGKILL');
      }
      const left = containers();
      if (left.length > 0) docker('rm', '-f', ...left);
    };
  });

  it("a live berth whose pid is free here keeps its container; killed, its container goes", async () => {
    // A pid the host does not use, for berth inside the namespace (ns_last_pid sets the next one).
    let pid = 30_000;
    while (existsSync(`/proc/${pid}`) || existsSync(`/proc/${pid - 1}`)) pid++;
    const script = `echo ${pid - 1} > /proc/sys/kernel/ns_last_pid && "$0" "$@"`;
    child = spawn('unshare', ['-p', '-f', '--mount-proc', 'sh', '-c', script, process.execPath, BERTH, 'run', tool, 'sh', '-c', 'echo ready; sleep 600'], {
      cwd: sb.work,
      env: sb.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await until(`the tool is ready (stderr: ${err})`, () => out.includes('ready'));
    expect(containers()).toHaveLength(1);
    expect(docker('inspect', '--format', '{{index .Config.Labels "berth.pid"}}', containers()[0]!)).toBe(String(pid));
    expect(existsSync(`/proc/${pid}`)).toBe(false);

    // Alive: neither gc nor another run's sweep touches it.
    const gc = await berth(sb, ['gc']);
    expect([gc.code, gc.stdout.toString()]).toEqual([0, 'nothing to remove\n']);
    expect(containers()).toHaveLength(1);

    // Killed (SIGKILL to the namespace's init kills every process in it): its container is an orphan.
    execFileSync('pkill', ['-KILL', '-P', String(child!.pid)]);
    await new Promise((r) => child!.on('close', r));
    const after = await berth(sb, ['gc']);
    expect(after.code).toBe(0);
    expect(after.stdout.toString()).toMatch(new RegExp(`^removed [0-9a-f]{12} \\(${tool}, its berth \\(pid ${pid}\\) is gone\\)\\nremoved 1 container\\n$`));
    expect(containers()).toEqual([]);
  });
});

// Podman 4.3's attach through a plain socket proxy loses the tool's output (docker's CLI's too),
// and this test waits for it: Docker only.
describe.skipIf(ON_PODMAN)('the engine lost mid-run', () => {
  it("exits 125 saying what happens to the tool's container, and the next run removes it", async () => {
    const { createServer, connect } = await import('node:net');
    const path = await import('node:path');
    const sb = makeSandbox();
    const tool = `cut-${process.pid}`;
    writeRecipe(sb, { name: tool, image: inject('fixtureImage') });
    const containers = () => docker('ps', '-aq', '--filter', `label=berth.tool=${tool}`).split('\n').filter(Boolean);
    // A socket proxy to the engine that the test cuts, as a dropped ssh forward would be.
    const sockets = new Set<import('node:net').Socket>();
    const proxyPath = path.join(sb.root, 'proxy.sock');
    const proxy = createServer((client) => {
      const engine = connect(ENGINE_SOCKET);
      for (const s of [client, engine]) {
        sockets.add(s);
        s.on('error', () => undefined);
      }
      client.pipe(engine).pipe(client);
    });
    await new Promise<void>((r) => proxy.listen(proxyPath, r));
    try {
      let out = '';
      const result = berth(sb, ['run', tool, 'sh', '-c', 'echo ready; sleep 600'], {
        env: { DOCKER_HOST: `unix://${proxyPath}` },
        onSpawn: (c) => c.stdout!.on('data', (d: Buffer) => (out += d.toString())),
        stdout: new (await import('node:stream')).Writable({ write: (_d, _e, cb) => cb() }),
      });
      await until('the tool is ready', () => out.includes('ready'));
      proxy.close();
      for (const s of sockets) s.destroy();
      const r = await result;
      expect(r.code).toBe(125);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain("(if the tool's container is still there, the next berth run or berth gc removes it)");
      expect(containers()).toHaveLength(1);
      // The engine is back (reached directly): the next run sweeps the container away.
      const next = await berth(sb, ['run', tool, 'true']);
      expect(next.code, next.stderr).toBe(0);
      await until('the container is gone', () => containers().length === 0);
    } finally {
      proxy.close();
      const left = containers();
      if (left.length > 0) docker('rm', '-f', ...left);
    }
  });
});

describe('a berth interrupted between create and start', () => {
  it('leaves nothing that gc does not remove, fresh and warm, whenever the signal comes', async () => {
    const sb = makeSandbox();
    const tool = `interrupted-${process.pid}`;
    writeRecipe(sb, { name: tool, image: inject('fixtureImage') });
    const containers = () => docker('ps', '-aq', '--filter', `label=berth.tool=${tool}`).split('\n').filter(Boolean);
    try {
      // Signals at moments spread over berth's start: some land before the create, some between
      // create and start, some while the tool runs.
      for (const [flags, signal] of [[[], 'SIGINT'], [['--warm'], 'SIGKILL']] as const) {
        for (let delay = 60; delay <= 420; delay += 40) {
          // Its debug output says where it was, should it not stop.
          const [node, ...argv] = asUser(sb, [process.execPath, BERTH, 'run', ...flags, tool, 'sleep', '30']);
          const child = spawn(node!, argv, { cwd: sb.work, env: { ...sb.env, BERTH_DEBUG: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
          // Watched from the spawn: a berth that ends before the signal has stopped too.
          const exited = new Promise<true>((resolve) => child.on('exit', () => resolve(true)));
          await new Promise((r) => setTimeout(r, delay));
          child.kill(signal);
          // The signal stops berth and its tool wherever it lands: never the 30 s of a tool left running.
          const stopped = await Promise.race([exited, new Promise<false>((resolve) => setTimeout(() => resolve(false), 20_000).unref())]);
          if (!stopped) child.kill('SIGKILL');
          expect(stopped, `berth run ${flags.join(' ')} went on for 20 s after ${signal} at ${delay} ms; its stderr:\n${stderr}`).toBe(true);
        }
      }
      const gc = await berth(sb, ['gc']);
      expect(gc.code, gc.stderr).toBe(0);
      // What is left may only be a warm container that runs (it stops by itself when idle).
      await berth(sb, ['warm', 'stop', tool]);
      await until('every container is gone', () => containers().length === 0);
    } finally {
      const left = containers();
      if (left.length > 0) docker('rm', '-f', ...left);
    }
  });
});
