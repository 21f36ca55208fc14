// The run sequence of a fresh container against a fake engine, as docker/cli's run_test.go tests
// `docker run`: the order of the engine calls, a signal before the start, a failed start's exit
// code (and the container removed), a missing image pulled before the create is tried again.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineError, InvokeError, NotFoundError, type BerthError } from '../../../../src/platform/errors.js';
import type { RunPlan } from '../../../../src/core/run/plan.js';
import { runContainer } from '../../../../src/runtime/container/run-container.js';
import { EngineApiError, type ContainerSpec, type ImageFacts } from '../../../../src/runtime/engine-client.js';
import { FakeEngine, fakeIO as io } from '../fake-engine-client.js';

const IMAGE = 'registry.test/faketool:1';
const FACTS: ImageFacts = { id: `sha256:${'f'.repeat(64)}`, size: 1, repoDigests: [], entrypoint: [], cmd: [] };

describe('runContainer: the engine calls of a fresh run', () => {
  const plan: RunPlan = {
    tool: 'faketool', version: '1', image: IMAGE, entrypoint: ['/faketool'], cmd: [], env: [], mounts: [], workdir: '/',
    network: 'none', tty: false, stdin: false, labels: {},
  };
  let engine: FakeEngine;

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

  it('sends a signal that arrives while the container starts once its init can take it (sent at once, an init with no handler yet drops it)', async () => {
    engine.runsUntilSignalled = true;
    let startedAt = 0;
    engine.on.startContainer = () => {
      process.emit('SIGHUP', 'SIGHUP');
      startedAt = Date.now();
    };
    expect(await runContainer(engine, plan, io())).toBe(128 + 1);
    expect(engine.methods()).toEqual(['createContainer', 'attachContainer', 'waitContainer', 'startContainer', 'killContainer']);
    // The container attached to, the signal as it came, not at once.
    expect(engine.calls.at(-1)!.args).toEqual([engine.calls[1]!.args[0], 'SIGHUP']);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(150);
  });

  it('sends a signal that arrives once the tool runs on as it is', async () => {
    // After the start has answered, before the tool exits (the fake's exit comes after this).
    engine.on.startContainer = () => {
      setImmediate(() => process.emit('SIGHUP', 'SIGHUP'));
    };
    engine.exitCode = 0;
    expect(await runContainer(engine, plan, io())).toBe(0);
    expect(engine.calls.find((c) => c.method === 'killContainer')?.args).toEqual([engine.calls[1]!.args[0], 'SIGHUP']);
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
    expect(await runContainer(engine, plan, io(), { onMissingImage: missing })).toBe(0);
    expect(missing).toHaveBeenCalledOnce();
    expect(engine.methods()).toEqual(['createContainer', 'createContainer', 'attachContainer', 'waitContainer', 'startContainer']);
  });

  describe('on Podman', () => {
    const podman = { kind: 'podman', rootless: false } as const;

    it('creates without AutoRemove, waits for the exit once it runs, and removes the container itself (podman#18889)', async () => {
      engine.exitCode = 7;
      expect(await runContainer(engine, plan, io(), { engine: podman })).toBe(7);
      expect(engine.methods()).toEqual(['createContainer', 'attachContainer', 'startContainer', 'waitContainer', 'removeContainer']);
      const spec = engine.calls[0]!.args[0] as ContainerSpec;
      expect(spec.HostConfig.AutoRemove).toBe(false);
      expect(spec.HostConfig.Init).toBe(true);
      expect(spec.HostConfig.UsernsMode).toBeUndefined();
      expect(engine.calls[3]!.args[1]).toBe('not-running');
      expect(engine.containers.size).toBe(0);
    });

    it('removes the container when the wait fails mid-run (the engine lost)', async () => {
      engine.on.waitContainer = () => {
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      };
      await expect(runContainer(engine, plan, io(), { engine: podman })).rejects.toThrow(/socket hang up/);
      expect(engine.methods().at(-1)).toBe('removeContainer');
      expect(engine.containers.size).toBe(0);
    });

    it("gives the engine the plan's user namespace (rootless Podman's keep-id)", async () => {
      await runContainer(engine, { ...plan, userns: 'keep-id' }, io(), { engine: { kind: 'podman', rootless: true } });
      expect((engine.calls[0]!.args[0] as ContainerSpec).HostConfig.UsernsMode).toBe('keep-id');
    });

    it('names the fix when the engine has no init (Podman without catatonit)', async () => {
      engine.on.createContainer = () => {
        throw new EngineApiError(500, { message: 'container create: container-init binary not found on the host: stat /usr/libexec/podman/catatonit: no such file or directory' });
      };
      const failed = (await runContainer(engine, plan, io(), { engine: podman }).catch((error: unknown) => error)) as BerthError;
      expect(failed).toBeInstanceOf(EngineError);
      expect(failed.message).toMatch(/^creating the container for faketool: the engine has no init to run the tool under \(.*catatonit.*\): install catatonit/);
    });
  });

  it('on Docker, the container removes itself: AutoRemove, a wait for its removal, no remove asked', async () => {
    await runContainer(engine, plan, io());
    expect((engine.calls[0]!.args[0] as ContainerSpec).HostConfig).toMatchObject({ AutoRemove: true, Init: true });
    expect(engine.calls[2]!.args[1]).toBe('removed');
    expect(engine.methods()).not.toContain('removeContainer');
  });
});
