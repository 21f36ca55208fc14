import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunPlan } from '../core/run/plan.js';
import { discardContainer, engineStatus, type ContainerSpec, type EngineClient, type Endpoint, type ImageFacts } from '../runtime/engine-client.js';
import { hostConfig, type RunIO } from '../runtime/container/run-container.js';
import { endpointKey, type RunEngine } from '../runtime/engine/mode.js';
import { startFailureError } from '../runtime/container/start-failure.js';
import { hostSession, stdinIsDevNull } from '../runtime/stdio/streams.js';
import { CREDIT, EXIT, openCall, pumpFramedStdin, requestFrame, sendResize, sendSignal, warmStartFailure, type Opened } from './call.js';
import { SOURCE_SHA256 } from './server-build.js';
import { warn } from '../platform/terminal-text.js';
import { LABELS } from '../core/labels.js';
import { isGone } from '../runtime/container/orphans.js';
import { warmDirectory, warmSocketsDirectory } from '../platform/paths.js';
import {
  forgetUnavailable,
  lockKey,
  makeSocketDirectory,
  markUsed,
  rememberSocketsUnshared,
  rememberUnavailable,
  SERVER_TARGET,
  shouldRetryWarm,
  SOCKET_TARGET,
  socketDirectory,
  socketsUnshared,
  unavailableFor,
  warmName,
} from './state.js';

/**
 * The warm path of `berth run`: one container per (tool, image id, mounts, user, network, idle
 * time, invoking uid) stays running after the first call, its main process berth's warm server
 * (native/warm-server.c) under the engine's init, and each call asks that server, over a unix
 * socket in berth's cache, to run the tool (warm-call.ts). The server forks it inside the
 * container, so it has what a `docker exec` would give it (namespaces, cgroup, capabilities,
 * seccomp, the container's user), without the engine in the way:
 *
 * - files: the warm container has exactly the mounts a fresh run of the call would have (the key
 *   holds them, with the device and inode of each source, so a directory or file replaced since
 *   gets a new container); the tool runs in the same working directory;
 * - environment: the container is created with none of the plan's variables and each call brings
 *   the plan's, so the tool sees the image's environment plus the plan's, as in a fresh container;
 * - streams: stdout and stderr come back in frames, a TTY is a pty the server allocates in the
 *   container, and stdin goes in frames with flow control (warm-call.ts); the exit code is the
 *   tool's (128+N when signal N ended it);
 * - signals: berth sends them to the server, which signals the tool (a second Ctrl-C, its
 *   process group with SIGKILL);
 * - nothing left behind: what the tool leaves running in its process group when it exits is
 *   killed, as the end of a fresh container would, and so is the tool when berth goes away in
 *   the middle of a call (its connection closes).
 *
 * runWarm returns undefined whenever the call should run in a fresh container instead: this is
 * decided before the tool starts and before any of stdin is read.
 */

export interface WarmOptions {
  /** The idle time after which the warm container stops itself. */
  idleSeconds: number;
  /** The engine's kind and mode. */
  engine?: RunEngine;
}

/**
 * How berth reaches a warm container's server: through its socket, bind-mounted from berth's
 * cache (the engine shares this machine's kernel and files), or through an exec of the server's
 * relay (exec-call.ts: an engine on another machine or in a VM). An endpoint is taken to share
 * sockets until it proves otherwise (its server never answers, or the engine has no such path to
 * mount), then remembered (state.ts); an ssh:// engine, and a tcp:// one not on loopback, are
 * known not to without trying. BERTH_WARM_TRANSPORT=exec|socket decides it (tests).
 */
export type Transport = 'socket' | 'exec';

export function warmTransport(endpoint: Endpoint): Transport {
  const forced = process.env.BERTH_WARM_TRANSPORT;
  if (forced === 'exec' || forced === 'socket') return forced;
  if (endpoint.kind === 'ssh') return 'exec';
  if (endpoint.kind !== 'unix' && !/^(127\.|::1$|localhost$)/.test(endpoint.hostname)) return 'exec';
  return socketsUnshared(endpointKey(endpoint)) ? 'exec' : 'socket';
}

/** How long a container just started may take before its server answers. */
const SERVER_START_MS = 5000;
/** The longest path a unix socket address takes (sun_path, with its NUL). */
const SOCKET_PATH_MAX = 107;

function messageOf(error: unknown): string {
  return ((error as Error).message ?? String(error)).trim();
}

function debug(message: string): undefined {
  if (process.env.BERTH_DEBUG === '1') warn(`warm: ${message}`);
  return undefined;
}

/**
 * The identity of the warm container a plan can run in. Mount sources carry their device and
 * inode: a bind mount holds on to the directory or file it was made with, so one replaced since
 * (a re-cloned project, a config file saved by rename) must not be served from the old one.
 * Undefined when a mount source is missing (the fresh path reports it).
 */
export function warmKey(plan: RunPlan, imageId: string, idleSeconds: number, transport: Transport = 'socket'): string | undefined {
  const mounts: unknown[] = [];
  for (const m of plan.mounts) {
    try {
      const st = statSync(m.source);
      mounts.push([m.source, m.target, m.readOnly, `${st.dev}:${st.ino}`]);
    } catch {
      return undefined;
    }
  }
  const identity = {
    // 3: containers carry berth.uid (owner.ts); those made before never serve a call again
    // (no one's warm ls or warm stop would see them) and stop when idle.
    v: 3,
    // A new build of the server gets new containers (the old ones stop when idle).
    server: SOURCE_SHA256.slice(0, 12),
    // An exec-served container has no socket directory mounted: never one for socket calls.
    transport,
    tool: plan.tool,
    image: imageId,
    mounts,
    user: plan.user ?? null,
    // keep-id (rootless Podman, `user: host`) or the image's own user: never one container for both.
    userns: plan.userns ?? null,
    // Another platform's image is another image, but the reference asked for says it too.
    platform: plan.platform ?? null,
    network: plan.network,
    idle: idleSeconds,
    // One cache's containers: their socket directories are in it (two HOMEs or XDG_CACHE_HOMEs
    // of one user never share one, nor two users).
    sockets: warmSocketsDirectory(),
    uid: process.getuid?.() ?? -1,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

/** The command a fresh container of the plan would run, from the plan and the image's config (docker's rules). */
export function execArgv(plan: RunPlan, image: Pick<ImageFacts, 'entrypoint' | 'cmd'>): string[] {
  if (plan.entrypoint.length > 0) return [...plan.entrypoint, ...plan.cmd];
  return [...image.entrypoint, ...(plan.cmd.length > 0 ? plan.cmd : image.cmd)];
}

type Creation = { kind: 'created' } | { kind: 'exists' } | { kind: 'unavailable'; reason: string; lasting?: boolean };

/** Creates and starts the warm container `name`, its server listening in the key's socket directory. */
async function createWarm(engine: EngineClient, plan: RunPlan, image: ImageFacts, key: string, name: string, options: WarmOptions, transport: Transport): Promise<Creation> {
  if (transport === 'exec') return createExecServed(engine, plan, image, key, name, options);
  const { idleSeconds } = options;
  // Only a call that creates a container needs the server program.
  const { goArch, serverFile } = await import('./server.js');
  let arch: string;
  try {
    arch = goArch((await engine.version()).arch);
  } catch (error) {
    return { kind: 'unavailable', reason: `the engine did not say its architecture (${messageOf(error)})` };
  }
  let server: string | undefined;
  let sockets: string;
  try {
    server = await serverFile(warmDirectory(), arch);
    // The container runs as berth's own uid for `user: host`: plan.user (berth's uid:gid), or
    // rootless Podman's keep-id (the same uid, no user given).
    sockets = makeSocketDirectory(key, plan.user !== undefined || plan.userns === 'keep-id');
  } catch (error) {
    return { kind: 'unavailable', reason: `berth's cache cannot hold the warm server and its socket (${messageOf(error)})` };
  }
  if (!server) return { kind: 'unavailable', reason: `berth has no warm server for ${arch || 'this engine'}'s architecture`, lasting: true };
  const spec = warmSpec(plan, image, key, options);
  spec.Entrypoint = [SERVER_TARGET];
  spec.Cmd = [String(idleSeconds), `${SOCKET_TARGET}/s`];
  // berth's own settings, plus the server and its socket directory.
  spec.HostConfig.Mounts = [
    ...(spec.HostConfig.Mounts ?? []),
    { Type: 'bind', Source: server, Target: SERVER_TARGET, ReadOnly: true },
    { Type: 'bind', Source: sockets, Target: SOCKET_TARGET, ReadOnly: false },
  ];
  return createAndStart(engine, spec, name);
}

/** Creates the warm container `name` and starts it (`prepare`: between the two). */
async function createAndStart(engine: EngineClient, spec: ContainerSpec, name: string, prepare?: (id: string) => Promise<void>): Promise<Creation> {
  let id: string;
  try {
    id = await engine.createContainer(spec, name);
  } catch (error) {
    if (engineStatus(error) === 409) return { kind: 'exists' };
    return { kind: 'unavailable', reason: `the engine refused the warm container: ${messageOf(error)}` };
  }
  try {
    await prepare?.(id);
    await engine.startContainer(id);
  } catch (error) {
    await discardContainer(engine, id);
    return { kind: 'unavailable', reason: `the warm container did not start: ${messageOf(error)}` };
  }
  return { kind: 'created' };
}

/** The labels and settings of every warm container, whichever way its server is reached. */
function warmSpec(plan: RunPlan, image: ImageFacts, key: string, options: WarmOptions): ContainerSpec {
  const { idleSeconds } = options;
  return {
    Image: image.id,
    // None of the plan's: each call brings its own, so only the image's are common to all.
    Env: [],
    WorkingDir: plan.workdir,
    User: plan.user,
    Labels: {
      ...plan.labels,
      [LABELS.warm]: 'true',
      [LABELS.key]: key,
      [LABELS.idleMinutes]: String(Math.round((idleSeconds / 60) * 1000) / 1000),
      [LABELS.image]: plan.image,
    },
    Healthcheck: { Test: ['NONE'] },
    HostConfig: hostConfig(plan),
  };
}

/**
 * Creates and starts an exec-served warm container (exec-call.ts): the server is put into its
 * root filesystem between create and start (the archive API writes into a created container), and
 * listens in its own /dev/shm. Nothing of berth's cache is mounted.
 */
async function createExecServed(engine: EngineClient, plan: RunPlan, image: ImageFacts, key: string, name: string, options: WarmOptions): Promise<Creation> {
  const { goArch, serverArchive, SERVER_IN_IMAGE } = await import('./server.js');
  const { EXEC_SOCKET } = await import('./exec-call.js');
  let arch: string;
  try {
    arch = goArch((await engine.version()).arch);
  } catch (error) {
    return { kind: 'unavailable', reason: `the engine did not say its architecture (${messageOf(error)})` };
  }
  const archive = await serverArchive(arch);
  if (!archive) return { kind: 'unavailable', reason: `berth has no warm server for ${arch || 'this engine'}'s architecture`, lasting: true };
  const spec = warmSpec(plan, image, key, options);
  spec.Entrypoint = [SERVER_IN_IMAGE];
  spec.Cmd = [String(options.idleSeconds), EXEC_SOCKET];
  return createAndStart(engine, spec, name, (id) => engine.putArchive(id, '/', archive));
}

/** Why a container that was started has no server answering: it stopped, or its socket is not reachable from here. */
async function notAnswering(engine: EngineClient, name: string): Promise<string> {
  // None: removed already, it stopped at once.
  const state = await engine.inspectContainer(name).catch(() => undefined);
  await discardContainer(engine, name);
  if (!state?.running) return `the warm server stopped at once${state ? ` (exit code ${state.exitCode})` : ''}`;
  return "the warm server's socket cannot be reached from here";
}

/**
 * Failures of the socket that the exec transport does not have: a socket the container's server
 * cannot bind (SELinux's labels) or berth cannot reach (an engine in a VM or on another machine),
 * and a server or socket directory the engine has no such path for (a remote engine).
 */
const SOCKET_NOT_SHARED = /^the warm server stopped at once|^the warm server's socket cannot be reached|bind source path does not exist|no such file or directory/i;

/**
 * After a 409 from create: a container of the key's name exists, but no server answers in its
 * socket directory. One running is starting (its server about to listen) or idling out: waited
 * for, never removed (calls may be running in it). One created or stopped that a gone berth
 * left, or older than 30 s, is removed.
 */
async function settle(engine: EngineClient, name: string): Promise<void> {
  // None, or no answer: gone in between, and the next create makes it.
  const info = await engine.inspectContainer(name).catch(() => undefined);
  if (info) {
    // Its creator's berth proven gone (its run socket refuses; see orphans.ts), never guessed from a pid.
    const run = info.labels[LABELS.run];
    const stale = Date.now() - Date.parse(info.created) > 30_000 || (run !== undefined && (await isGone(run)));
    if (stale && ['created', 'exited', 'dead'].includes(info.status)) await discardContainer(engine, name);
  }
  await sleep(50);
}

/**
 * Starts the call in the key's warm container, making the container first when there is none.
 * Undefined: run a fresh container (said once when it is because warm cannot work here).
 */
async function startCall(
  engine: EngineClient,
  plan: RunPlan,
  image: ImageFacts,
  io: RunIO,
  request: Buffer,
  key: string,
  options: WarmOptions,
  transport: Transport,
): Promise<Extract<Opened, { kind: 'started' | 'failed' }> | 'unshared' | undefined> {
  const name = warmName(plan.tool, key);
  const socket = path.join(socketDirectory(key), 's');
  const unavailable = (reason: string, lasting = false): 'unshared' | undefined => {
    // The socket's own failure: the exec transport is tried (and kept for this endpoint).
    if (transport === 'socket' && SOCKET_NOT_SHARED.test(reason)) return 'unshared';
    if (rememberUnavailable(plan.tool, reason, lasting)) warn(`${plan.tool}: not kept warm: ${reason}; it runs in a fresh container`, io.stderr);
    return undefined;
  };
  const exec = transport === 'exec' ? await import('./exec-call.js') : undefined;
  if (!exec && Buffer.byteLength(socket) > SOCKET_PATH_MAX) {
    return unavailable(`its socket path would be longer than ${SOCKET_PATH_MAX} bytes (${socket}); set XDG_CACHE_HOME to a shorter directory`);
  }
  // A server that has not answered within 2 s may be frozen (docker pause: the kernel still
  // takes the connection); then the call runs fresh. Else it is waited for: once the tool may
  // have started, giving up could run it twice.
  const attempt = async (): Promise<Opened> => {
    const frozen = new AbortController();
    const timer = setTimeout(() => {
      engine.inspectContainer(name).then(
        (info) => info?.paused && frozen.abort(),
        () => undefined,
      );
    }, 2000);
    try {
      if (!exec) return await openCall(socket, request, frozen.signal);
      return await exec.openExecCall(engine, name, request, frozen.signal).catch((error: unknown) => {
        debug(`exec in ${name}: ${messageOf(error)}`);
        return { kind: 'closed' } as const;
      });
    } finally {
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 20_000;
  let startedAt = 0;
  let closed = 0;
  while (Date.now() < deadline) {
    const opened = await attempt();
    if (opened.kind === 'started' || opened.kind === 'failed') return opened;
    if (opened.kind === 'aborted') return debug(`${name} is paused`);
    if (opened.kind === 'busy') {
      await sleep(10);
      continue;
    }
    if (opened.kind === 'closed') {
      // The container just made, through an exec: its server is about to listen (the relay found none yet).
      if (exec && startedAt && Date.now() - startedAt < SERVER_START_MS) {
        await sleep(5);
        continue;
      }
      // The server was idling out: its socket goes with it, and the next container is made.
      // Closed five times: it refuses this request.
      if (++closed >= 5) return debug('the warm server closed the connection without starting the call');
      await sleep(20);
      continue;
    }
    if (startedAt) {
      // The container just made: its server is about to listen.
      if (Date.now() - startedAt > SERVER_START_MS) return unavailable(await notAnswering(engine, name));
      await sleep(5);
      continue;
    }
    const release = await lockKey(key);
    if (!release) return debug('timed out waiting for another berth to create the warm container');
    try {
      // Another berth may have made it while this one waited for the lock.
      const again = await attempt();
      if (again.kind === 'started' || again.kind === 'failed') return again;
      if (again.kind !== 'absent') continue;
      const outcome = await createWarm(engine, plan, image, key, name, options, transport);
      if (outcome.kind === 'unavailable') return unavailable(outcome.reason, outcome.lasting);
      if (outcome.kind === 'exists') await settle(engine, name);
      else startedAt = Date.now();
    } finally {
      release();
    }
  }
  return debug('gave up waiting for the warm container');
}

/**
 * Runs the plan in its warm container and returns the tool's exit code; undefined when it must
 * run in a fresh container instead (not decided after the tool has started).
 */
export async function runWarm(engine: EngineClient, plan: RunPlan, image: ImageFacts, io: RunIO, options: WarmOptions): Promise<number | undefined> {
  const memo = unavailableFor(plan.tool);
  if (!shouldRetryWarm(memo)) return undefined;
  const idleSeconds = Math.max(1, Math.ceil(options.idleSeconds));
  let transport = warmTransport(engine.endpoint);
  let key = warmKey(plan, image.id, idleSeconds, transport);
  if (!key) return undefined;
  const argv = execArgv(plan, image);
  // Nothing to run: a fresh container reports it as docker does.
  if (argv.length === 0) return undefined;

  const env = plan.tty && !plan.env.some((e) => e.startsWith('TERM=')) ? [...plan.env, 'TERM=xterm'] : plan.env;
  const stdin = plan.stdin && !stdinIsDevNull();
  const request = requestFrame({ argv, env, cwd: plan.workdir, tty: plan.tty, stdin, size: plan.consoleSize });
  // Over the server's limits: a fresh container reports it as docker does.
  if (!request) return undefined;
  let opened = await startCall(engine, plan, image, io, request, key, { ...options, idleSeconds }, transport);
  if (opened === 'unshared') {
    // This engine's containers cannot share a socket with berth: from now on, and for this call, exec.
    debug("the warm server's socket is not shared with this engine; calls go through exec");
    rememberSocketsUnshared(endpointKey(engine.endpoint));
    transport = 'exec';
    key = warmKey(plan, image.id, idleSeconds, transport)!;
    opened = await startCall(engine, plan, image, io, request, key, { ...options, idleSeconds }, transport);
  }
  if (!opened || opened === 'unshared') return undefined;
  if (memo) forgetUnavailable(plan.tool);
  try {
    if (opened.kind === 'failed') throw startFailureError(warmStartFailure(opened.errno, opened.stage, argv[0]!), plan);
    return await streamCall(plan, io, opened.socket, stdin);
  } finally {
    markUsed(warmName(plan.tool, key));
  }
}

async function streamCall(plan: RunPlan, io: RunIO, socket: Duplex, stdin: boolean): Promise<number> {
  const cleanups: Array<() => void> = [];
  let exited!: (code: number) => void;
  // The exit frame ends the call (the server then waits for berth to close the connection).
  const exitFrame = new Promise<number>((resolve) => (exited = resolve));
  let pump: ReturnType<typeof pumpFramedStdin> | undefined;
  const control = (type: number, payload: Buffer) => {
    if (type === EXIT && payload.length >= 4) exited(payload.readUInt32BE(0));
    else if (type === CREDIT && payload.length >= 4) pump?.credit(payload.readUInt32BE(0));
  };
  // Output, signals and raw mode as a fresh run's (streams.ts); signals go to the server, which
  // signals the tool (a second Ctrl-C: its whole process group, with SIGKILL).
  const signal = (name: NodeJS.Signals, hard: boolean) => {
    if (!socket.destroyed) sendSignal(socket, hard ? 'SIGKILL' : name, hard);
  };
  const session = hostSession(socket, plan, io, signal, control);
  cleanups.push(session.restore);
  if (plan.tty && io.stdout.isTTY) {
    const onResize = () => {
      const { rows, columns } = io.stdout;
      if (rows && columns && !socket.destroyed) sendResize(socket, rows, columns);
    };
    // The size at the request may be gone by now.
    onResize();
    process.on('SIGWINCH', onResize);
    cleanups.push(() => process.off('SIGWINCH', onResize));
  }
  if (stdin) {
    pump = pumpFramedStdin(io.stdin, socket);
    cleanups.push(pump.stop);
  }
  socket.resume();
  try {
    // No exit frame: the container went away under the call (berth warm stop, docker rm -f),
    // killed as a fresh container removed by force would be.
    return await Promise.race([exitFrame, session.outputDone.then(() => 137)]);
  } finally {
    for (const cleanup of cleanups.reverse()) cleanup();
    socket.destroy();
  }
}
