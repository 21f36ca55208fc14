import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { BerthError, EngineError, InvokeError, NotFoundError } from '../../platform/errors.js';
import type { RunPlan } from '../../core/run/plan.js';
import { engineStatus, type EngineApi } from '../http/engine-api.js';
import { engineFailure } from '../http/endpoint.js';
import { forwardStdin, hostSession } from '../stdio/streams.js';

export interface RunIO {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** The engine's create body for a plan. */
export function containerSpec(plan: RunPlan): Dockerode.ContainerCreateOptions {
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
    HostConfig: { ...hostConfig(plan), ConsoleSize: plan.consoleSize },
  };
}

/**
 * What every berth container gets from the engine: removed when it ends, the tool under an init,
 * the plan's network and mounts, no log driver, no new privileges (and no capability added).
 */
export function hostConfig(plan: RunPlan): Dockerode.HostConfig {
  return {
    AutoRemove: true,
    Init: true,
    NetworkMode: plan.network,
    LogConfig: { Type: 'none', Config: {} },
    SecurityOpt: ['no-new-privileges'],
    Mounts: plan.mounts.map((m) => ({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
  };
}

/** docker's mapping of a failed start: 127 nothing to execute, 126 cannot execute, else 125. */
export function startFailure(error: unknown, plan: RunPlan): BerthError {
  const message = ((error as { json?: { message?: string } }).json?.message ?? (error as Error).message ?? '').trim();
  const what = plan.entrypoint[0] ?? plan.cmd[0] ?? 'the command';
  if (/executable file not found|no such file or directory/i.test(message)) {
    return new NotFoundError(`${plan.tool}: ${what} not found in image ${plan.image}`);
  }
  if (/permission denied|is a directory|not a directory|exec format error/i.test(message)) {
    return new InvokeError(`${plan.tool}: cannot execute ${what} in image ${plan.image}: ${message}`);
  }
  return new EngineError(`${plan.tool}: the container did not start: ${message}`);
}

/**
 * Runs a plan the way docker/cli runs `docker run`: create, attach, wait, start, stream,
 * and returns the tool's exit code. The container removes itself; every path out of here
 * (exit, failed start, signals) leaves none behind.
 */
export async function runContainer(api: EngineApi, plan: RunPlan, io: RunIO, onMissingImage?: () => Promise<unknown>, onCreated?: () => void): Promise<number> {
  const create = async () => (await api.call<{ Id: string }>('POST', '/containers/create', containerSpec(plan))).Id;
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
    throw engineFailure(error, `creating the container for ${plan.tool}`);
  }
  onCreated?.();
  const container = {
    remove: () => api.removeContainer(id),
    kill: (signal: string) => api.call('POST', `/containers/${id}/kill?signal=${signal}`).catch(() => undefined),
    resize: (h: number, w: number) => api.call('POST', `/containers/${id}/resize?h=${h}&w=${w}`).catch(() => undefined),
  };
  const remove = container.remove;

  let socket: Duplex;
  let exited: Promise<number>;
  try {
    // Attach and ask for the wait before the start, as docker does: nothing is missed, and the
    // wait cannot race the container's removal.
    socket = await api.upgrade(`/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
    // The tool's own run: no deadline.
    exited = api.call<{ StatusCode: number }>('POST', `/containers/${id}/wait?condition=removed`, undefined, { timeoutMs: Infinity }).then(
      (r) => r.StatusCode,
      (error: unknown) => {
        throw engineFailure(error, `waiting for ${plan.tool}`);
      },
    );
    exited.catch(() => undefined);
  } catch (error) {
    await remove();
    throw engineFailure(error, `attaching to ${plan.tool}`);
  }

  // Signals are in place before the start, as raw mode (the first keys typed already go to the
  // tool); a signal that arrives before the container runs is sent after.
  let started = false;
  const pending: string[] = [];
  const session = hostSession(socket, plan, io, (signal, hard) => {
    const kill = hard ? 'SIGKILL' : signal;
    if (started) void container.kill(kill);
    else pending.push(kill);
  });
  const cleanups: Array<() => void> = [session.restore];
  const restore = () => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  };

  try {
    await api.call('POST', `/containers/${id}/start`);
  } catch (error) {
    restore();
    socket.destroy();
    await remove();
    throw startFailure(error, plan);
  }
  started = true;
  for (const signal of pending) void container.kill(signal);

  if (plan.tty && io.stdout.isTTY) {
    // Engines before API 1.42 take no console size at create: size the TTY right after start.
    const resize = () => {
      const { rows, columns } = io.stdout;
      if (rows && columns) return container.resize(rows, columns);
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
    return code;
  } finally {
    restore();
    socket.destroy();
  }
}
