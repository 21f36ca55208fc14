// `berth run` against a fake engine: the image pulled when the create finds none, an engine lost
// mid-run, and a warm call that falls back to a fresh container.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineError, type BerthError } from '../../../src/platform/errors.js';
import type { RunRequest } from '../../../src/core/run/plan.js';
import { runTool } from '../../../src/app/run-tool.js';
import type { ImageFacts } from '../../../src/runtime/engine-client.js';
import { rememberVisibility } from '../../../src/runtime/engine/visibility.js';
import { FakeEngine, fakeIO as io } from '../runtime/fake-engine-client.js';

// berth's files go to a sandbox of this file's own, set before the imports (berth's paths are read
// at import).
const root = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? '/tmp'}/berth-run-tool-${process.pid}`;
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

beforeAll(() => {
  // The fake engine sees this machine's files (asked once per endpoint otherwise: visibility.ts).
  rememberVisibility(new FakeEngine().endpoint, true);
  mkdirSync(`${root}/recipes`, { recursive: true });
  writeFileSync(
    `${root}/recipes/faketool.yaml`,
    `name: faketool\ndescription: a tool run by a fake engine\nimage: registry.test/faketool:{version}\nversion: "1"\nentrypoint: [/faketool]\nuser: image\n`,
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runTool: a run as berth run makes it', () => {
  let engine: FakeEngine;
  const request = (over: Partial<RunRequest> = {}): RunRequest => ({ tool: 'faketool', args: [], pull: 'missing', quiet: true, warm: false, ...over });

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
      engine.waitBreaks = running.then(() => {
        throw Object.assign(new Error('the engine closed the connection before its response was complete'), { code: 'ECONNRESET' });
      });
      engine.waitBreaks.catch(() => undefined);
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

  it('runs on Podman as its /info says: no AutoRemove, the container removed by the run', async () => {
    engine.images.set(IMAGE, FACTS);
    engine.exitCode = 3;
    // Podman 4.3.1's compat /info, abridged.
    engine.infoAnswer = { ServerVersion: '4.3.1', BuildahVersion: '1.28.2', Rootless: false };
    expect(await runTool(request(), io(), engine)).toBe(3);
    expect(engine.methods(['info', ...CONTAINER_CALLS])).toEqual(['info', 'createContainer', 'attachContainer', 'startContainer', 'waitContainer', 'removeContainer']);
    expect((engine.calls.find((c) => c.method === 'createContainer')!.args[0] as { HostConfig: { AutoRemove: boolean } }).HostConfig.AutoRemove).toBe(false);
    expect(engine.containers.size).toBe(0);
  });
});
