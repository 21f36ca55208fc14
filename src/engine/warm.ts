import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Duplex, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Settings } from '../config/settings.js';
import type { RunPlan } from '../run/plan.js';
import { engineStatus, type EngineApi } from './api.js';
import { hostConfig, startFailure, type RunIO } from './container-run.js';
import type { ImageFacts } from './images.js';
import { isProcessAlive } from '../lock-file.js';
import { forwardStdin, hostSession } from './streams.js';
import {
  forgetUnavailable,
  IDLE_LABEL,
  IMAGE_LABEL,
  KEY_LABEL,
  lockKey,
  markUsed,
  PAUSE_TARGET,
  recordExec,
  readInitProcess,
  rememberUnavailable,
  shouldRetryWarm,
  unavailableFor,
  WARM_LABEL,
  warmDirectory,
  warmName,
  writeInitProcess,
} from './warm-state.js';

/**
 * The warm path of `berth run`: one container per (tool, image id, mounts, user, network, idle
 * time, invoking uid) stays running after the first call, its main process berth's pause program
 * (warm-pause.ts) under the engine's init, and each call execs the tool into it:
 *
 * - files: the warm container has exactly the mounts a fresh run of the call would have (the key
 *   holds them, with the device and inode of each source, so a directory or file replaced since
 *   gets a new container); the exec runs in the same working directory;
 * - user and environment: the exec's User is the plan's, its Env only the plan's (the container
 *   itself is created with none, so the image's environment plus the plan's is what the tool sees,
 *   as in a fresh container);
 * - streams: the exec is attached over a hijacked connection, demultiplexed unless it has a TTY,
 *   and half-closing it is the tool's stdin EOF; the exit code is the exec's;
 * - signals: the engine has no API to signal an exec, so berth signals the exec's process (the
 *   `Pid` of exec inspect) from the host. A warm container is only kept when that is known to
 *   work: berth checks, when it creates one, that it may signal the container's processes and that
 *   they are in its own pid namespace; otherwise the tool runs fresh, and berth says why once;
 * - nothing left behind: what the tool leaves running in its process group when it exits is
 *   killed, as the end of a fresh container would.
 *
 * runWarm returns undefined whenever the call should run in a fresh container instead: this is
 * decided before the tool starts and before any of stdin is read.
 */

export interface WarmOptions {
  /** The idle time after which the warm container stops itself. */
  idleSeconds: number;
}

/** The idle time: BERTH_WARM_IDLE (seconds, for tests), else the setting warmIdleMinutes (checked by readSettings), else 10 minutes. */
export function warmIdleSeconds(settings: Settings, env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.BERTH_WARM_IDLE);
  if (env.BERTH_WARM_IDLE && Number.isFinite(seconds) && seconds > 0) return seconds;
  return (settings.warmIdleMinutes ?? 10) * 60;
}

/** What the engine writes into the stream when an exec could not be started (it then has no Pid). */
const FAILED_START = /OCI runtime|exec failed|executable file not found|is not running|no such file or directory|permission denied/i;

interface ExecInfo {
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  ContainerID?: string;
}

function messageOf(error: unknown): string {
  return ((error as Error).message ?? String(error)).trim();
}

function debug(message: string): undefined {
  if (process.env.BERTH_DEBUG === '1') process.stderr.write(`berth: warm: ${message}\n`);
  return undefined;
}

/**
 * The identity of the warm container a plan can run in. Mount sources carry their device and
 * inode: a bind mount holds on to the directory or file it was made with, so one replaced since
 * (a re-cloned project, a config file saved by rename) must not be served from the old one.
 * Undefined when a mount source is missing (the fresh path reports it).
 */
export function warmKey(plan: RunPlan, imageId: string, idleSeconds: number): string | undefined {
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
    v: 1,
    tool: plan.tool,
    image: imageId,
    mounts,
    user: plan.user ?? null,
    network: plan.network,
    idle: idleSeconds,
    // Signalling the tool is checked for the uid that created the container.
    uid: process.getuid?.() ?? -1,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

/** The command a fresh container of the plan would run, from the plan and the image's config (docker's rules). */
export function execArgv(plan: RunPlan, image: Pick<ImageFacts, 'entrypoint' | 'cmd'>): string[] {
  if (plan.entrypoint.length > 0) return [...plan.entrypoint, ...plan.cmd];
  return [...image.entrypoint, ...(plan.cmd.length > 0 ? plan.cmd : image.cmd)];
}

/**
 * Resets the container's idle time: a SIGWINCH to its init, which forwards it to the pause
 * program. Sent from here when the init's pid is known (and still the same process: its start
 * time), which costs nothing; else through the engine, and the pid is then looked up for next time.
 */
function touch(api: EngineApi, name: string): Promise<void> {
  const init = readInitProcess(name);
  if (init && processStart(init.pid) === init.start) {
    try {
      process.kill(init.pid, 'SIGWINCH');
      return Promise.resolve();
    } catch {
      // not ours to signal after all: through the engine
    }
  }
  const viaEngine = api.call('POST', `/containers/${name}/kill?signal=SIGWINCH`);
  const lookup = api.call<{ Id: string; State: { Running: boolean; Pid: number } }>('GET', `/containers/${name}/json`).then((info) => {
    if (info.State.Running && info.State.Pid > 0) recordInit(name, info.State.Pid, info.Id);
  });
  return Promise.allSettled([viaEngine, lookup]).then(() => undefined);
}

/** Records the init's pid, when it is the container's (see signalProblem). */
function recordInit(name: string, pid: number, id: string): void {
  const start = processStart(pid);
  if (start && !signalProblem(pid, id)) writeInitProcess(name, pid, start);
}

/** Field 22 of /proc/PID/stat, the start time: with the pid, it names one process for good. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Why berth could not signal the processes of container `id`, whose init is host process `pid`. */
function signalProblem(pid: number, id: string): string | undefined {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPERM') {
      return `berth (uid ${process.getuid?.()}) may not signal the processes of the user the tool runs as, so signals could not reach it`;
    }
    return "the engine's processes are not visible from here (an engine in a VM or another pid namespace), so signals could not reach the tool";
  }
  let cgroup = '';
  let cmdline = '';
  try {
    cgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // not ours to read
  }
  if (!cgroup.includes(id) && !cmdline.includes(PAUSE_TARGET)) {
    return "the engine's processes are not visible from here (an engine in a VM or another pid namespace), so signals could not reach the tool";
  }
  return undefined;
}

type Creation = { kind: 'created' } | { kind: 'exists' } | { kind: 'unavailable'; reason: string };

/** Creates, starts and checks the warm container `name`. */
async function createWarm(api: EngineApi, plan: RunPlan, image: ImageFacts, key: string, name: string, idleSeconds: number): Promise<Creation> {
  // Only a call that creates a container needs the pause program.
  const { goArch, pauseFile } = await import('./warm-pause.js');
  let arch: string;
  try {
    arch = goArch((await api.call<{ Arch?: string }>('GET', '/version')).Arch ?? '');
  } catch (error) {
    return { kind: 'unavailable', reason: `the engine did not say its architecture (${messageOf(error)})` };
  }
  const pause = pauseFile(warmDirectory(), arch);
  if (!pause) return { kind: 'unavailable', reason: `berth has no pause program for ${arch || 'this engine'}'s architecture` };
  const host = hostConfig(plan);
  const spec = {
    Image: image.id,
    Entrypoint: [PAUSE_TARGET],
    Cmd: [String(idleSeconds)],
    // None of the plan's: each exec brings its own, so only the image's are common to all.
    Env: [],
    WorkingDir: plan.workdir,
    User: plan.user,
    Labels: {
      ...plan.labels,
      [WARM_LABEL]: 'true',
      [KEY_LABEL]: key,
      [IDLE_LABEL]: String(Math.round((idleSeconds / 60) * 1000) / 1000),
      [IMAGE_LABEL]: plan.image,
    },
    Healthcheck: { Test: ['NONE'] },
    // berth's own settings, plus the pause program as the container's main process.
    HostConfig: { ...host, Mounts: [...(host.Mounts ?? []), { Type: 'bind', Source: pause, Target: PAUSE_TARGET, ReadOnly: true }] },
  };
  let id: string;
  try {
    id = (await api.call<{ Id: string }>('POST', `/containers/create?name=${name}`, spec)).Id;
  } catch (error) {
    if (engineStatus(error) === 409) return { kind: 'exists' };
    return { kind: 'unavailable', reason: `the engine refused the warm container: ${messageOf(error)}` };
  }
  const remove = () => api.call('DELETE', `/containers/${id}?force=1`).catch(() => undefined);
  try {
    await api.call('POST', `/containers/${id}/start`);
  } catch (error) {
    await remove();
    return { kind: 'unavailable', reason: `the warm container did not start: ${messageOf(error)}` };
  }
  let state: { Running: boolean; Pid: number; ExitCode: number } | undefined;
  try {
    state = (await api.call<{ State: { Running: boolean; Pid: number; ExitCode: number } }>('GET', `/containers/${id}/json`)).State;
  } catch {
    // removed already: it stopped at once
  }
  if (!state?.Running || !(state.Pid > 0)) {
    await remove();
    return { kind: 'unavailable', reason: `the pause program stopped at once${state ? ` (exit code ${state.ExitCode})` : ''}` };
  }
  const problem = signalProblem(state.Pid, id);
  if (problem) {
    await remove();
    return { kind: 'unavailable', reason: problem };
  }
  recordInit(name, state.Pid, id);
  return { kind: 'created' };
}

/**
 * After a 409 from exec create: the container exists but does not run. One being created or
 * removed (it stopped when idle) is waited for; one left by a berth that is gone is removed.
 * Returns false when waiting makes no sense (paused, restarting).
 */
async function settle(api: EngineApi, name: string): Promise<boolean> {
  try {
    const info = await api.call<{ Created: string; State: { Status: string; Running: boolean }; Config: { Labels?: Record<string, string> } }>(
      'GET',
      `/containers/${name}/json`,
    );
    if (info.State.Running) return false;
    const creator = Number(info.Config.Labels?.['berth.pid']);
    const stale = Date.now() - Date.parse(info.Created) > 30_000 || !(Number.isInteger(creator) && creator > 0 && isProcessAlive(creator));
    if (stale && ['created', 'exited', 'dead'].includes(info.State.Status)) {
      await api.call('DELETE', `/containers/${name}?force=1`).catch(() => undefined);
    }
  } catch {
    // gone in between: the next exec create says 404
  }
  await sleep(50);
  return true;
}

interface Started {
  exec: string;
  socket: Duplex;
  touched: Promise<void>;
}

/** Finds or makes the warm container and starts the exec in it; undefined: run a fresh container. */
async function startExec(api: EngineApi, plan: RunPlan, image: ImageFacts, io: RunIO, argv: string[], key: string, idleSeconds: number): Promise<Started | undefined> {
  const name = warmName(plan.tool, key);
  const body = {
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: plan.tty,
    Env: plan.env,
    Cmd: argv,
    WorkingDir: plan.workdir,
    User: plan.user,
    // API 1.42+; older engines ignore it and are sized right after the start.
    ConsoleSize: plan.tty ? plan.consoleSize : undefined,
  };
  const deadline = Date.now() + 20_000;
  let created = false;
  while (Date.now() < deadline) {
    let exec: string;
    try {
      exec = (await api.call<{ Id: string }>('POST', `/containers/${name}/exec`, body)).Id;
    } catch (error) {
      const status = engineStatus(error);
      if (status === 409) {
        if (!(await settle(api, name))) return debug(`${name} exists but cannot run execs`);
        continue;
      }
      if (status !== 404) return debug(`exec create: ${messageOf(error)}`);
      const release = await lockKey(key);
      if (!release) return debug('timed out waiting for another berth to create the warm container');
      try {
        // Another berth may have made it while this one waited for the lock.
        const there = await api.call('GET', `/containers/${name}/json`).then(
          () => true,
          () => false,
        );
        // (One that exists but takes no exec is being created or removed: give it a moment.)
        if (there) {
          await sleep(50);
          continue;
        }
        const outcome = await createWarm(api, plan, image, key, name, idleSeconds);
        if (outcome.kind === 'unavailable') {
          if (rememberUnavailable(plan.tool, outcome.reason)) {
            io.stderr.write(`berth: ${plan.tool}: not kept warm: ${outcome.reason}; it runs in a fresh container\n`);
          }
          return undefined;
        }
        if (outcome.kind === 'exists') await sleep(50);
        created ||= outcome.kind === 'created';
      } finally {
        release();
      }
      continue;
    }
    // A container just made is fresh; one found running is told it is in use.
    const touched = created ? Promise.resolve() : touch(api, name);
    try {
      const socket = await api.upgrade(`/exec/${exec}/start`, { Detach: false, Tty: plan.tty, ConsoleSize: body.ConsoleSize });
      return { exec, socket, touched };
    } catch (error) {
      await touched;
      const status = engineStatus(error);
      if (status === 409 || status === 404) continue; // it stopped in between: make a new one
      return debug(`exec start: ${messageOf(error)}`);
    }
  }
  return debug('gave up waiting for the warm container');
}

/** The exec's end, polled: its output can end before the process does. 404: its container was removed. */
async function execResult(api: EngineApi, exec: string): Promise<ExecInfo | undefined> {
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    let info: ExecInfo;
    try {
      info = await api.call<ExecInfo>('GET', `/exec/${exec}/json`);
    } catch (error) {
      if (engineStatus(error) === 404) return undefined;
      throw error;
    }
    if (!info.Running) return info;
    await sleep(delay);
  }
}

/**
 * Runs the plan in its warm container and returns the tool's exit code; undefined when it must
 * run in a fresh container instead (not decided after the tool has started).
 */
export async function runWarm(api: EngineApi, plan: RunPlan, image: ImageFacts, io: RunIO, options: WarmOptions): Promise<number | undefined> {
  const memo = unavailableFor(plan.tool);
  if (!shouldRetryWarm(memo)) return undefined;
  const idleSeconds = Math.max(1, Math.ceil(options.idleSeconds));
  const key = warmKey(plan, image.id, idleSeconds);
  if (!key) return undefined;
  const argv = execArgv(plan, image);
  // Nothing to run: a fresh container reports it as docker does.
  if (argv.length === 0) return undefined;

  const started = await startExec(api, plan, image, io, argv, key, idleSeconds);
  if (!started) return undefined;
  if (memo) forgetUnavailable(plan.tool);
  return streamExec(api, plan, io, warmName(plan.tool, key), started, idleSeconds);
}

async function streamExec(api: EngineApi, plan: RunPlan, io: RunIO, name: string, started: Started, idleSeconds: number): Promise<number> {
  const { exec, socket } = started;
  const cleanups: Array<() => void> = [recordExec(exec, plan.tool)];
  const pending: Array<Promise<unknown>> = [started.touched];

  // stdout, except a first chunk that looks like the engine saying the exec could not start: that
  // is held until the exec's Pid tells. 0: it never ran, and berth reports it as a fresh run
  // would; else it is the tool's own output, passed on.
  const held: Buffer[] = [];
  let mode: 'first' | 'hold' | 'pass' = 'first';
  const release = () => {
    mode = 'pass';
    for (const chunk of held.splice(0)) io.stdout.write(chunk);
  };
  const stdout = {
    write(chunk: Buffer): boolean {
      if (mode === 'first') {
        mode = FAILED_START.test(chunk.toString('latin1', 0, Math.min(chunk.length, 200))) ? 'hold' : 'pass';
        if (mode === 'hold') {
          pending.push(
            api.call<ExecInfo>('GET', `/exec/${exec}/json`).then(
              (info) => info.Pid > 0 && mode === 'hold' && release(),
              () => undefined,
            ),
          );
        }
      }
      if (mode === 'hold') {
        held.push(chunk);
        return true;
      }
      return io.stdout.write(chunk);
    },
    once(event: string, listener: () => void) {
      io.stdout.once(event, listener);
      return stdout;
    },
  };
  // Signals go to the tool's process, found through exec inspect; a second Ctrl-C within 3 s
  // kills its whole process group (runc makes the exec a session leader), as a fresh container's
  // end would. The start time guards against a pid reused after the tool has gone.
  let pid: number | undefined;
  let pidStart: string | undefined;
  const toolPid = async (): Promise<number | undefined> => {
    for (let i = 0; i < 100 && pid === undefined; i++) {
      const info = await api.call<ExecInfo>('GET', `/exec/${exec}/json`).catch(() => undefined);
      if (!info || (!info.Running && info.ExitCode !== null)) return undefined;
      if (info.Running && info.Pid > 0) {
        pidStart = processStart(info.Pid);
        pid = info.Pid;
      } else await sleep(20);
    }
    return pid;
  };
  const signalTool = (signal: NodeJS.Signals, group = false) =>
    pending.push(
      toolPid().then((p) => {
        if (p === undefined || pidStart === undefined || processStart(p) !== pidStart) return;
        try {
          process.kill(group ? -p : p, signal);
        } catch {
          // gone already
        }
      }),
    );
  // The session's output, signals and raw mode as a fresh run's (streams.ts).
  const session = hostSession(socket, plan, io, (signal, hard) => (hard ? signalTool('SIGKILL', true) : signalTool(signal)), stdout as unknown as Writable);
  cleanups.push(session.restore);
  if (plan.tty && io.stdout.isTTY) {
    // The exec may not run yet when the first resize arrives: retried, as docker does.
    const resize = async (retries: number) => {
      const { rows, columns } = io.stdout;
      if (!rows || !columns) return;
      for (let i = 0; ; i++) {
        try {
          await api.call('POST', `/exec/${exec}/resize?h=${rows}&w=${columns}`);
          return;
        } catch {
          if (i >= retries) return;
          await sleep(10 * (i + 1));
        }
      }
    };
    pending.push(resize(10));
    const onResize = () => void pending.push(resize(0));
    process.on('SIGWINCH', onResize);
    cleanups.push(() => process.off('SIGWINCH', onResize));
  }
  // Long calls keep the container from stopping under them.
  const keepAlive = setInterval(() => pending.push(touch(api, name)), Math.max(1000, (idleSeconds * 1000) / 3));
  keepAlive.unref();
  cleanups.push(() => clearInterval(keepAlive));

  // stdin as in a fresh container (see RunPlan.stdin).
  if (plan.stdin) cleanups.push(forwardStdin(io, socket));

  try {
    await session.outputDone;
    const [info] = await Promise.all([execResult(api, exec), touch(api, name)]);
    // The container went away under the call (berth warm stop, docker rm -f): killed, as a
    // fresh container removed by force would be.
    if (!info) return 137;
    // What the tool left running in its process group goes, as with the end of a container. Only
    // while its leader's pid is not in use again.
    if (info.Pid > 0 && !existsSync(`/proc/${info.Pid}`)) {
      try {
        process.kill(-info.Pid, 'SIGKILL');
      } catch {
        // nothing left
      }
    }
    if (info.Pid === 0 && held.length > 0) throw startFailure(new Error(Buffer.concat(held).toString('utf8').trim()), plan);
    release();
    return info.ExitCode ?? 125;
  } finally {
    for (const cleanup of cleanups.reverse()) cleanup();
    socket.destroy();
    markUsed(name);
    await Promise.allSettled(pending);
  }
}
