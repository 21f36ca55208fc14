/**
 * A "remote" Docker engine on this machine, for the tests and benchmarks of engines whose files
 * are not the host's (a build box over ssh, Docker-in-Docker, a VM): a second dockerd in its own
 * mount, pid, uts and network namespaces, on a root filesystem of its own, reached over TCP on
 * loopback. A bind mount of the host's working directory against it shows the remote's directory
 * (empty, or missing), never the host's.
 *
 * Its root: the host's /usr (and the /bin, /lib, ... links into it) and /etc read-only, so its
 * dockerd, containerd, runc and iptables are the host's, and a /var, /tmp, /home, /root, /run and
 * /etc/docker of its own (empty at the start). Nothing else of the host (/work, the checkout, the
 * tests' /tmp) is there. Measured here: ready in ~2-3 s, no download (see
 * ../shared/notes/engines.md for the debootstrap'd variant and the pitfalls this avoids: no second
 * dockerd in the host's network namespace, TLS off so dockerd 20.10 does not sleep 15 s at start).
 *
 * Its dockerd listens on a unix socket in a folder shared with the host (only that folder), and
 * this process forwards 127.0.0.1:PORT to it (no socat needed): the engine is reached over TCP as a
 * remote one is. Its own data-root, exec-root, pidfile, socket and cgroup parent; the shared
 * dockerd on /var/run/docker.sock is never touched.
 *
 * Idempotent and parallel-safe: each start gets an instance folder of its own under
 * REMOTE_ENGINE_ROOT named after the starting process; a start first removes the instances of
 * processes that are gone (a killed test run). stop() ends the namespace (its pid 1: every process
 * and mount in it goes) and removes the folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './exec.js';
import { alive } from './lock.js';

/** Where the instances live (disk, not tmpfs: overlay2 wants a real filesystem under its data-root). */
export const REMOTE_ENGINE_ROOT = process.env.BERTH_TEST_REMOTE_ROOT ?? '/var/tmp/berth-remote-engine';

export interface RemoteEngine {
  /** `tcp://127.0.0.1:PORT`, for DOCKER_HOST. */
  host: string;
  /** The instance folder (its dockerd's log is `dockerd.log` there). */
  dir: string;
  /** Ends the engine: every container and mount in its namespace goes, and its folder. */
  stop(): Promise<void>;
}

/**
 * Runs inside `unshare -m -p -f -u -n` as the namespace's first process: builds the root, moves
 * into it and becomes tini running dockerd. $1 is the instance folder.
 */
const NAMESPACE_SCRIPT = String.raw`
set -eu
d=$1
r=$d/root
mount --make-rprivate /
mkdir -p "$r"
mount --bind "$r" "$r"
ro_bind() { mkdir -p "$r$1"; mount --bind "$1" "$r$1"; mount -o remount,bind,ro "$r$1"; }
ro_bind /usr
ro_bind /etc
for top in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$top" ]; then ln -sfn "$(readlink "/$top")" "$r/$top"
  elif [ -d "/$top" ]; then ro_bind "/$top"
  fi
done
for own in var tmp home root share; do mkdir -p "$d/$own" "$r/$own"; mount --bind "$d/$own" "$r/$own"; done
chmod 1777 "$r/tmp"
mkdir -p "$r/proc" "$r/sys" "$r/dev" "$r/run"
mount -t proc proc "$r/proc"
mount --rbind /sys "$r/sys"
mount --rbind /dev "$r/dev"
mount -t tmpfs -o mode=755 tmpfs "$r/run"
# dockerd 20.10 writes its key there.
[ -d /etc/docker ] && mount -t tmpfs -o mode=755 tmpfs "$r/etc/docker"
cd "$r"
mkdir -p .old-root
pivot_root . .old-root
cd /
umount -l /.old-root
rmdir /.old-root
ip link set lo up
exec tini -s -- dockerd -H unix:///share/docker.sock --data-root /var/lib/docker --exec-root /run/docker-exec \
  --pidfile /run/dockerd.pid --cgroup-parent /berth-remote-engine-$2 --tls=false
`;

/** The first child of `pid` (unshare's forked namespace init). */
function childOf(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

async function endNamespace(init: number | undefined, graceMs: number): Promise<void> {
  if (!init || !alive(init)) return;
  // tini -s passes SIGTERM to dockerd, which stops its containers and exits; then the namespace ends.
  process.kill(init, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(init) && Date.now() < deadline) await sleep(100);
  if (alive(init)) process.kill(init, 'SIGKILL');
  while (alive(init)) await sleep(50);
}

/** Removes the (empty, once its namespace ended) cgroups dockerd made under its cgroup parent. */
function removeCgroups(name: string): void {
  const remove = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) remove(join(dir, entry.name));
    rmdirSync(dir);
  };
  for (const base of ['/sys/fs/cgroup', ...readdirSync('/sys/fs/cgroup').map((c) => join('/sys/fs/cgroup', c))]) {
    const dir = join(base, `berth-remote-engine-${name}`);
    try {
      if (existsSync(dir)) remove(dir);
    } catch {
      // still in use, or not ours to remove: left
    }
  }
}

/** Removes the instances whose starting process is gone (their namespace first). */
async function removeStale(): Promise<void> {
  if (!existsSync(REMOTE_ENGINE_ROOT)) return;
  for (const name of readdirSync(REMOTE_ENGINE_ROOT)) {
    const owner = Number(name.split('-')[0]);
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) continue;
    const dir = join(REMOTE_ENGINE_ROOT, name);
    const init = Number(readFileSync(join(dir, 'init.pid'), 'utf8').trim()) || undefined;
    await endNamespace(init, 5000).catch(() => undefined);
    removeCgroups(name);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes a forward carried: to the engine (up) and from it (down). */
export interface Traffic {
  up: number;
  down: number;
}

/**
 * 127.0.0.1:PORT -> `to` (a unix socket path, or a TCP port on loopback), both directions,
 * half-closes kept (stdin's EOF on attach), counting the bytes into `traffic`.
 */
export function forward(to: string | number, traffic: Traffic = { up: 0, down: 0 }): Promise<{ server: Server; port: number; traffic: Traffic }> {
  const open = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const engine = typeof to === 'string' ? connect({ path: to, allowHalfOpen: true }) : connect({ host: '127.0.0.1', port: to, allowHalfOpen: true });
    open.add(client).add(engine);
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => (traffic.up += chunk.length));
    engine.on('data', (chunk: Buffer) => (traffic.down += chunk.length));
    client.pipe(engine);
    engine.pipe(client);
    const done = () => {
      client.destroy();
      engine.destroy();
      open.delete(client);
      open.delete(engine);
    };
    client.on('error', done).on('close', () => engine.writableEnded || engine.end());
    engine.on('error', done).on('close', done);
  });
  server.on('close', () => open.forEach((s) => s.destroy()));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, traffic }));
  });
}

/** Starts a remote engine and waits until it answers over TCP (at most `timeoutMs`). */
export async function startRemoteEngine(options: { timeoutMs?: number } = {}): Promise<RemoteEngine> {
  if (process.getuid?.() !== 0) throw new Error('the remote engine of the tests needs root (unshare, mount, dockerd)');
  await removeStale();
  const name = `${process.pid}-${Date.now().toString(36)}`;
  const dir = join(REMOTE_ENGINE_ROOT, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  const child: ChildProcess = spawn('unshare', ['-m', '-p', '-f', '-u', '-n', 'sh', '-c', NAMESPACE_SCRIPT, 'berth-remote-engine', dir, name], {
    stdio: ['ignore', log, log],
    detached: true,
  });
  child.unref();
  let init: number | undefined;
  let forwarder: Server | undefined;
  const stop = async () => {
    forwarder?.close();
    await endNamespace(init ?? childOf(child.pid!), 15_000);
    if (child.pid && alive(child.pid)) child.kill('SIGKILL');
    removeCgroups(name);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const socketPath = join(dir, 'share', 'docker.sock');
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (!existsSync(socketPath)) {
      init ??= childOf(child.pid!);
      if (init) writeFileSync(join(dir, 'init.pid'), `${init}\n`);
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`the remote engine did not start (${child.exitCode !== null ? `exit code ${child.exitCode}` : 'timed out'}); its log:\n${readFileSync(join(dir, 'dockerd.log'), 'utf8').slice(-3000)}`);
      }
      await sleep(100);
    }
    const { server, port } = await forward(socketPath);
    forwarder = server;
    const host = `tcp://127.0.0.1:${port}`;
    for (;;) {
      const ping = await run('docker', ['version', '--format', '{{.Server.Version}}'], { env: { ...process.env, DOCKER_HOST: host }, timeoutMs: 10_000 }).catch(() => undefined);
      if (ping?.code === 0) break;
      if (Date.now() > deadline) throw new Error(`the remote engine does not answer at ${host}: ${ping?.stderr.trim()}`);
      await sleep(200);
    }
    return { host, dir, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** `docker save IMAGES | docker -H HOST load`: the host engine's images on the remote one. */
export async function loadImages(host: string, images: readonly string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const save = spawn('docker', ['save', ...images], { stdio: ['ignore', 'pipe', 'inherit'] });
    const load = spawn('docker', ['load', '-q'], { env: { ...process.env, DOCKER_HOST: host }, stdio: ['pipe', 'ignore', 'inherit'] });
    save.stdout.pipe(load.stdin);
    let failed: string | undefined;
    save.on('close', (code) => (failed ??= code === 0 ? undefined : `docker save: exit code ${code}`));
    load.on('close', (code) => {
      const why = failed ?? (code === 0 ? undefined : `docker load on ${host}: exit code ${code}`);
      if (why) reject(new Error(why));
      else resolve();
    });
  });
}
