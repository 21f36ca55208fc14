// The run sequence against a fake engine, as docker/cli's run_test.go tests `docker run`: the
// order of the engine calls, a signal before the start, a failed start's exit code, a missing
// image, an engine lost mid-run, and the warm path's fallback to a fresh container.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineError, InvokeError, NotFoundError, type BerthError } from '../../src/platform/errors.js';
import type { RunPlan, RunRequest } from '../../src/core/run/plan.js';
import type { RunIO } from '../../src/runtime/container/run-container.js';
import { EngineApiError, type ImageFacts } from '../../src/runtime/engine-client.js';
import { FakeEngine } from './fake-engine.js';

// berth's files go to a sandbox of this file's own: set before any module reads where they are.
const root = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? '/tmp'}/berth-run-sequence-${process.pid}`;
  for (const name of Object.keys(process.env)) if (name.startsWith('BERTH_') || name.startsWith('DOCKER_')) delete process.env[name];
  Object.assign(process.env, {
    XDG_CACHE_HOME: `${dir}/cache`,
    XDG_CONFIG_HOME: `${dir}/config`,
    XDG_STATE_HOME: `${dir}/state`,
    DOCKER_CONFIG: `${dir}/docker`,
    BERTH_RECIPES_PATH: `${dir}/recipes`,
  });
  return dir;
});

const IMAGE = 'registry.test/faketool:1';
const FACTS: ImageFacts = { id: `sha256:${'f'.repeat(64)}`, size: 1, repoDigests: [], entrypoint: [], cmd: [] };
const CONTAINER_CALLS = ['createContainer', 'attachContainer', 'waitContainer', 'startContainer', 'killContainer', 'removeContainer'] as const;

function io(): RunIO & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const written = { out: '', err: '' };
  stdout.on('data', (d: Buffer) => (written.out += d.toString()));
  stderr.on('data', (d: Buffer) => (written.err += d.toString()));
  const stdin = new PassThrough();
  stdin.end();
  return {
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    out: () => written.out,
    err: () => written.err,
  };
}

beforeAll(() => {
  mkdirSync(`${root}/recipes`, { recursive: true });
  writeFileSync(
    `${root}/recipes/faketool.yaml`,
    `name: faketool\ndescription: a tool run by a fake engine\nimage: registry.test/faketool:{version}\nversion: "1"\nentrypoint: [/faketool]\nuser: image\n`,
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runContainer: the engine calls of a fresh run', () => {
  const plan: RunPlan = {
    tool: 'faketool', version: '1', image: IMAGE, entrypoint: ['/faketool'], cmd: [], env: [], mounts: [], workdir: '/',
    network: 'none', tty: false, stdin: false, labels: {},
  };
  let engine: FakeEngine;
  let runContainer: typeof import('../../src/runtime/container/run-container.js').runContainer;

  beforeAll(async () => {
    ({ runContainer } = await import('../../src/runtime/container/run-container.js'));
  });

  beforeEach(() => {
    engine = new FakeEngine();
    engine.images.set(IMAGE, FACTS);
  });

  it('creates, attaches and asks for the wait before it starts, and returns the exit code after the output', async () => {
    engine.output = 'hello\n';
    engine.exitCode = 3;
    const streams = io();
    expect(await runContainer(engine, plan, streams)).toBe(3);
    expect(streams.out()).toBe('hello\n');
    expect(engine.methods()).toEqual(['createContainer', 'attachContainer', 'waitContainer', 'startContainer']);
  });

  it('sends a signal that arrives before the start once the container has started', async () => {
    engine.on.startContainer = () => {
      process.emit('SIGHUP', 'SIGHUP');
    };
    await runContainer(engine, plan, io());
    expect(engine.methods()).toEqual(['createContainer', 'attachContainer', 'waitContainer', 'startContainer', 'killContainer']);
    // To the container attached to.
    expect(engine.calls.at(-1)!.args).toEqual([engine.calls[1]!.args[0], 'SIGHUP']);
  });

  it.each([
    ['nothing to execute: 127', 'OCI runtime create failed: runc create failed: unable to start container process: exec: "/faketool": stat /faketool: no such file or directory: unknown', NotFoundError, 'faketool: /faketool not found in image registry.test/faketool:1'],
    ['cannot execute: 126', 'OCI runtime create failed: runc create failed: unable to start container process: exec: "/faketool": permission denied: unknown', InvokeError, 'faketool: cannot execute /faketool in image registry.test/faketool:1: OCI runtime create failed: runc create failed: unable to start container process: exec: "/faketool": permission denied: unknown'],
    ['anything else: 125', 'cgroups: cannot find cgroup mount destination: unknown', EngineError, 'faketool: the container did not start: cgroups: cannot find cgroup mount destination: unknown'],
  ])('maps a failed start as docker does (%s) and removes the container', async (_case, said, kind, message) => {
    engine.on.startContainer = () => {
      throw new EngineApiError(400, { message: said });
    };
    const failed = (await runContainer(engine, plan, io()).catch((error: unknown) => error)) as BerthError;
    expect(failed).toBeInstanceOf(kind);
    expect(failed.message).toBe(message);
    const id = engine.calls[1]!.args[0];
    expect(engine.methods()).toEqual(['createContainer', 'attachContainer', 'waitContainer', 'startContainer', 'removeContainer']);
    expect(engine.calls.at(-1)!.args).toEqual([id]);
    expect(engine.containers.size).toBe(0);
  });

  it('pulls when the engine has no such image, then creates the container again', async () => {
    engine.images.clear();
    const missing = vi.fn(async () => engine.images.set(IMAGE, FACTS));
    expect(await runContainer(engine, plan, io(), missing)).toBe(0);
    expect(missing).toHaveBeenCalledOnce();
    expect(engine.methods()).toEqual(['createContainer', 'createContainer', 'attachContainer', 'waitContainer', 'startContainer']);
  });
});

describe("a warm call's failed start", () => {
  const plan = { tool: 'faketool', image: IMAGE, entrypoint: [], cmd: ['faketool'] };
  const { ENOENT, EACCES, ENOEXEC, EISDIR, EPERM } = constants.errno;

  it.each([
    [ENOENT, 'exec', 'faketool', NotFoundError, 'faketool: faketool not found in image registry.test/faketool:1'],
    [ENOENT, 'exec', '/bin/faketool', NotFoundError, 'faketool: faketool not found in image registry.test/faketool:1'],
    [ENOENT, 'chdir', 'faketool', NotFoundError, 'faketool: faketool not found in image registry.test/faketool:1'],
    [EACCES, 'exec', '/faketool', InvokeError, 'faketool: cannot execute faketool in image registry.test/faketool:1: exec: "/faketool": permission denied'],
    [ENOEXEC, 'exec', '/faketool', InvokeError, 'faketool: cannot execute faketool in image registry.test/faketool:1: exec: "/faketool": exec format error'],
    [EISDIR, 'exec', '/faketool', InvokeError, 'faketool: cannot execute faketool in image registry.test/faketool:1: exec: "/faketool": is a directory'],
    [EPERM, 'setuid', '/faketool', EngineError, 'faketool: the container did not start: setuid: EPERM'],
  ])('errno %i at %s of %s: as a fresh start with the same cause', async (errno, stage, command, kind, message) => {
    const { warmStartFailure } = await import('../../src/warm/call.js');
    const { startFailureError } = await import('../../src/runtime/container/start-failure.js');
    const failed = startFailureError(warmStartFailure(errno, stage, command), plan);
    expect(failed).toBeInstanceOf(kind);
    expect(failed.message).toBe(message);
  });
});

describe('runTool: a run as berth run makes it', () => {
  let runTool: typeof import('../../src/app/run-tool.js').runTool;
  let engine: FakeEngine;
  const request = (over: Partial<RunRequest> = {}): RunRequest => ({ tool: 'faketool', args: [], pull: 'missing', quiet: true, warm: false, ...over });

  beforeAll(async () => {
    ({ runTool } = await import('../../src/app/run-tool.js'));
  });

  beforeEach(() => {
    engine = new FakeEngine();
  });

  it('pulls an image the engine lacks at the create (inspect, pull, inspect) and creates again', async () => {
    engine.registry.set(IMAGE, FACTS);
    expect(await runTool(request(), io(), engine)).toBe(0);
    expect(engine.methods(['createContainer', 'inspectImage', 'pullImage', 'attachContainer', 'waitContainer', 'startContainer'])).toEqual([
      'createContainer',
      'inspectImage',
      'inspectImage',
      'pullImage',
      'inspectImage',
      'createContainer',
      'attachContainer',
      'waitContainer',
      'startContainer',
    ]);
    expect(engine.calls.find((c) => c.method === 'pullImage')!.args.slice(0, 2)).toEqual(['registry.test/faketool', '1']);
  });

  describe('an engine lost mid-run', () => {
    const lostWait = () => {
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      engine.on.startContainer = () => started();
      engine.on.waitContainer = async () => {
        await running;
        throw Object.assign(new Error('the engine closed the connection before its response was complete'), { code: 'ECONNRESET' });
      };
    };

    it('fails the run (125) and removes the container when the engine answers again', async () => {
      engine.images.set(IMAGE, FACTS);
      lostWait();
      const failed = (await runTool(request(), io(), engine).catch((error: unknown) => error)) as BerthError;
      expect(failed).toBeInstanceOf(EngineError);
      expect(failed.exitCode).toBe(125);
      expect(failed.message).toBe("waiting for faketool: the engine closed the connection before its response was complete (the tool's container was removed)");
      expect(engine.methods([...CONTAINER_CALLS])).toEqual(['createContainer', 'attachContainer', 'waitContainer', 'startContainer', 'removeContainer']);
      expect(engine.containers.size).toBe(0);
    });

    it('fails the run (125) and leaves the container to the next run when the engine is gone', async () => {
      engine.images.set(IMAGE, FACTS);
      lostWait();
      engine.on.listContainers = () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      };
      const failed = (await runTool(request(), io(), engine).catch((error: unknown) => error)) as BerthError;
      expect(failed).toBeInstanceOf(EngineError);
      expect(failed.message).toBe(
        "waiting for faketool: the engine closed the connection before its response was complete (if the tool's container is still there, the next berth run or berth gc removes it)",
      );
      expect(engine.methods(['removeContainer'])).toEqual([]);
    });
  });

  it('runs the call in a fresh container when it cannot be kept warm, and says so once', async () => {
    engine.images.set(IMAGE, FACTS);
    engine.exitCode = 7;
    engine.on.version = () => {
      throw new Error('the engine did not answer in time');
    };
    const streams = io();
    expect(await runTool(request({ warm: true }), streams, engine)).toBe(7);
    expect(streams.err()).toBe(
      'berth: faketool: not kept warm: the engine did not say its architecture (the engine did not answer in time); it runs in a fresh container\n',
    );
    expect(engine.methods(['inspectImage', 'version', ...CONTAINER_CALLS])).toEqual([
      'inspectImage',
      'version',
      'createContainer',
      'attachContainer',
      'waitContainer',
      'startContainer',
    ]);
    // The fresh container's, not a warm one's.
    const spec = engine.calls.find((c) => c.method === 'createContainer')!.args;
    expect(spec[1]).toBeUndefined();
    expect((spec[0] as { Image: string }).Image).toBe(IMAGE);
  });
});
