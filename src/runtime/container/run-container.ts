import type { Duplex } from 'node:stream';
import type { RunPlan } from '../../core/run/plan.js';
import { EngineError } from '../../platform/errors.js';
import { discardContainer, engineStatus, type ContainerSpec, type EngineClient, type HostConfig } from '../engine-client.js';
import type { RunEngine } from '../engine/mode.js';
import { engineFailure } from '../http/endpoint.js';
import { forwardStdin, hostSession } from '../stdio/streams.js';
import { engineStartFailure, startFailureError } from './start-failure.js';
import type { SyncedRun } from './workspace-sync.js';

export interface RunIO {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** How long after the start a signal that came during it waits: the container's init is up by then. */
const EARLY_SIGNAL_DELAY_MS = 200;

/** A run's engine when none is said: a rootful Docker (as for an engine that cannot be asked). */
const DOCKER: RunEngine = { kind: 'docker', rootless: false };

/**
 * The engine's create body for a plan. Podman's AutoRemove loses the exit code (4.3: a wait for
 * `removed` says 0, podman#18889, fixed in 4.6), so there the run removes its container itself.
 */
export function containerSpec(plan: RunPlan, engine: RunEngine = DOCKER): ContainerSpec {
  return {
    Image: plan.image,
    Entrypoint: plan.entrypoint.length > 0 ? plan.entrypoint : undefined,
    Cmd: plan.cmd,
    Env: plan.env,
    WorkingDir: plan.workdir,
    User: plan.user,
    Labels: plan.labels,
    Tty: plan.tty,
    // OpenStdin with StdinOnce: a half-closed attach stream becomes EOF for the tool.
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: { ...hostConfig(plan), ConsoleSize: plan.consoleSize, AutoRemove: engine.kind !== 'podman' },
  };
}

/**
 * What every berth container gets from the engine: removed when it ends, the tool under an init,
 * the plan's network and mounts, no log driver, no new privileges (and no capability added).
 */
export function hostConfig(plan: RunPlan): HostConfig {
  return {
    AutoRemove: true,
    Init: true,
    // Rootless Podman: the user's uid in the container is the user's own (uid 0 would be too, but
    // a tool that drops to another user could not write the bind mounts).
    UsernsMode: plan.userns,
    NetworkMode: plan.network,
    LogConfig: { Type: 'none', Config: {} },
    SecurityOpt: ['no-new-privileges'],
    Mounts: plan.mounts.map((m) => ({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
  };
}

/**
 * Podman runs `Init` with catatonit, a package of its own that Debian only recommends: the
 * engine's words (`container-init binary not found on the host: stat …/catatonit`) become the fix.
 */
function createFailure(error: unknown, plan: RunPlan): Error {
  const message = (error as { json?: { message?: string } }).json?.message ?? '';
  if (/container-init binary not found/.test(message)) {
    return new EngineError(
      `creating the container for ${plan.tool}: the engine has no init to run the tool under (${message.trim()}): install catatonit (apt-get install catatonit, dnf install catatonit)`,
    );
  }
  return engineFailure(error, `creating the container for ${plan.tool}`);
}

export interface RunOptions {
  /** The engine's kind and mode (runtime/engine/mode.ts); a rootful Docker when not said. */
  engine?: RunEngine;
  /** Pulls the image, when the engine says it has none. */
  onMissingImage?: () => Promise<unknown>;
  /** The container exists. */
  onCreated?: () => void;
  /** The engine cannot see the host's files: the mounts are synced (workspace-sync.ts). */
  sync?: SyncedRun;
  /** The image's platform to create from (--platform, toolPlatforms). */
  platform?: string;
  /** Called once the container exists, before anything else: its throw removes the container and ends the run. */
  beforeStart?: () => Promise<void>;
}

/**
 * Runs a plan the way docker/cli runs `docker run`: create, attach, wait, start, stream,
 * and returns the tool's exit code. The container removes itself (on Podman, the run removes it
 * once it exited); every path out of here (exit, failed start, signals) leaves none behind, and
 * a berth killed meanwhile leaves it to the next run's sweep (orphans.ts).
 */
export async function runContainer(engine: EngineClient, plan: RunPlan, io: RunIO, options: RunOptions = {}): Promise<number> {
  const { onMissingImage, onCreated, sync } = options;
  const kind = options.engine ?? DOCKER;
  const spec = sync ? sync.spec(containerSpec(plan, kind)) : containerSpec(plan, kind);
  // Without AutoRemove (Podman's, a synced run's) the run waits for the exit and removes it itself.
  const autoRemove = spec.HostConfig.AutoRemove === true;
  const create = () => engine.createContainer(spec, undefined, options.platform);
  let id: string;
  try {
    try {
      id = await create();
    } catch (error) {
      // Create first, pull only when the engine lacks the image, as docker does: a cached
      // image then costs no request at all before the create.
      if (!onMissingImage || engineStatus(error) !== 404) throw error;
      await onMissingImage();
      id = await create();
    }
  } catch (error) {
    throw createFailure(error, plan);
  }
  if (options.beforeStart) {
    try {
      await options.beforeStart();
    } catch (error) {
      await discardContainer(engine, id);
      throw error;
    }
  }
  onCreated?.();
  const remove = () => discardContainer(engine, id);
  if (sync) {
    try {
      await sync.beforeStart(id);
    } catch (error) {
      await remove();
      throw engineFailure(error, `copying the workspace of ${plan.tool} to the engine`);
    }
  }
  // A container gone already (the tool exited meanwhile) has nothing to signal or resize.
  const kill = (signal: string) => engine.killContainer(id, signal).catch(() => undefined);

  // The tool's own run: no deadline. `placed` settles once the engine has the wait in place,
  // `code` with the exit code (both handled here: a failure is seen where it is awaited).
  const waitFor = (until: 'removed' | 'not-running') => {
    const failed = (error: unknown): never => {
      throw engineFailure(error, `waiting for ${plan.tool}`);
    };
    const placed = engine.waitContainer(id, until, { podman: kind.kind === 'podman' }).catch(failed);
    const code = placed.then((wait) => wait.exitCode.catch(failed));
    placed.catch(() => undefined);
    code.catch(() => undefined);
    return { placed, code };
  };
  let socket: Duplex;
  let exited: Promise<number> | undefined;
  try {
    // Attach before the start, as docker does: nothing is missed. The wait for its removal, in
    // place before the start too, cannot race the container's AutoRemove.
    socket = await engine.attachContainer(id);
    if (autoRemove) {
      const wait = waitFor('removed');
      await wait.placed;
      exited = wait.code;
    }
  } catch (error) {
    await remove();
    throw engineFailure(error, `attaching to ${plan.tool}`);
  }

  // Signals are in place before the start, as raw mode (the first keys typed already go to the
  // tool); a signal that arrives before the container runs is dealt with after the start (below).
  let started = false;
  const pending: string[] = [];
  const session = hostSession(socket, plan, io, (signal, hard) => {
    const sent = hard ? 'SIGKILL' : signal;
    if (started) void kill(sent);
    else pending.push(sent);
  });
  const cleanups: Array<() => void> = [session.restore];
  const restore = () => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  };

  try {
    await engine.startContainer(id);
  } catch (error) {
    restore();
    socket.destroy();
    await remove();
    throw startFailureError(engineStartFailure(error), plan);
  }
  started = true;
  // Podman's container stays until the run removes it, so a wait asked once it runs sees its exit
  // however soon that came (its `next-exit`, asked before the start, hangs when it arrives late).
  exited ??= waitFor('not-running').code;
  // A signal that came while the container was starting is sent once its init can take it: sent
  // at once, it can reach the init before the init has a handler (a pid namespace's init drops a
  // signal it has no handler for) and be lost, leaving the tool running.
  if (pending.length > 0) setTimeout(() => pending.forEach((signal) => void kill(signal)), EARLY_SIGNAL_DELAY_MS).unref();

  if (plan.tty && io.stdout.isTTY) {
    // Engines before API 1.42 take no console size at create: size the TTY right after start.
    const resize = () => {
      const { rows, columns } = io.stdout;
      if (rows && columns) return engine.resizeContainer(id, rows, columns).catch(() => undefined);
    };
    await resize();
    process.on('SIGWINCH', resize);
    cleanups.push(() => process.off('SIGWINCH', resize));
  }

  // stdin, when the tool reads it (see RunPlan.stdin): streamed with backpressure; its end
  // half-closes the socket, which the tool sees as EOF.
  if (plan.stdin) cleanups.push(forwardStdin(io, socket));

  try {
    const code = await exited;
    await session.outputDone;
    // While what the tool changed comes back, a signal does not cut it short (the container is gone).
    if (sync) {
      await sync.afterExit(id).catch((error: unknown) => {
        const doing = `copying back what ${plan.tool} changed`;
        // A file of this machine's (no room, no permission) is not the engine's failure.
        throw (error as NodeJS.ErrnoException).path ? new EngineError(`${doing}: ${(error as Error).message}`) : engineFailure(error, doing);
      });
    }
    return code;
  } finally {
    restore();
    socket.destroy();
    if (!autoRemove) await remove();
  }
}
