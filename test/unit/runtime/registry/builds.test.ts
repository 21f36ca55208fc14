import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPlan } from '../../../../src/core/recipes/build.js';
import { LABELS } from '../../../../src/core/labels.js';
import { EngineError } from '../../../../src/platform/errors.js';
import { buildLogFile } from '../../../../src/platform/paths.js';
import { STALLED } from '../../../../src/runtime/engine-client.js';
import { ensureBuilt, type BuildReporter } from '../../../../src/runtime/registry/builds.js';
import { FakeEngine } from '../fake-engine-client.js';

const plan = buildPlan({ name: 'tool', version: '1', build: { from: `debian:bookworm-20250721-slim@sha256:${'a'.repeat(64)}`, apt: ['gifsicle'] } });

/** A reporter that keeps what it was shown. */
function recorder(): { onBuild: BuildReporter; shown: string[]; stopped: () => boolean } {
  const shown: string[] = [];
  let stopped = false;
  return {
    shown,
    stopped: () => stopped,
    onBuild: async (tool, tag) => {
      shown.push(`start ${tool} ${tag}`);
      return { line: (text) => shown.push(text), stop: () => (stopped = true) };
    },
  };
}

describe('ensureBuilt', () => {
  let cache: string;
  const saved = process.env.XDG_CACHE_HOME;
  beforeEach(() => {
    cache = mkdtempSync(path.join(tmpdir(), 'berth-builds-'));
    process.env.XDG_CACHE_HOME = cache;
  });
  afterEach(() => {
    process.env.XDG_CACHE_HOME = saved;
    rmSync(cache, { recursive: true, force: true });
  });

  it('builds a missing image with its labels and the builder\'s uid, shows each line, keeps the log', async () => {
    const engine = new FakeEngine();
    const r = recorder();
    const image = await ensureBuilt(engine, { tool: 'tool', plan, onBuild: r.onBuild });
    expect(image.id).toMatch(/^sha256:/);
    const [dockerfile, options] = engine.calls.find((c) => c.method === 'buildImage')!.args as [string, { tag: string; labels: Record<string, string> }];
    expect(dockerfile).toBe(plan.dockerfile);
    expect(options.tag).toBe(plan.tag);
    expect(options.labels).toEqual({ ...plan.labels, [LABELS.buildUid]: String(process.getuid!()) });
    expect(r.shown).toEqual([`start tool ${plan.tag}`, 'Step 1/2 : FROM base', 'Step 2/2 : RUN true']);
    expect(r.stopped()).toBe(true);
    expect(readFileSync(buildLogFile(plan.tag), 'utf8')).toContain('Step 2/2 : RUN true');
  });

  it('uses a cached image with one inspect and no build; force builds anyway', async () => {
    const engine = new FakeEngine();
    engine.images.set(plan.tag, { id: 'sha256:cached', size: 1, repoDigests: [], entrypoint: [], cmd: [] });
    const r = recorder();
    expect((await ensureBuilt(engine, { tool: 'tool', plan, onBuild: r.onBuild })).id).toBe('sha256:cached');
    expect(engine.methods()).toEqual(['inspectImage']);
    expect(r.shown).toEqual([]);
    await ensureBuilt(engine, { tool: 'tool', plan, force: true, noCache: true, onBuild: r.onBuild });
    expect(engine.methods()).toEqual(['inspectImage', 'buildImage', 'inspectImage']);
    expect((engine.calls[1]!.args[1] as { noCache?: boolean }).noCache).toBe(true);
  });

  it('refuses to build when offline (the pull policy "never"), naming berth build', async () => {
    const engine = new FakeEngine();
    await expect(ensureBuilt(engine, { tool: 'tool', plan, offline: true, onBuild: recorder().onBuild })).rejects.toThrow(
      new EngineError(`tool: its image ${plan.tag} is not built and the pull policy is "never"; build it with: berth build tool`),
    );
    expect(engine.methods()).toEqual(['inspectImage']);
  });

  it('a failed step: an EngineError with the engine\'s words and the log\'s last 20 lines, the log kept', async () => {
    const engine = new FakeEngine();
    engine.buildEvents = () => [...Array.from({ length: 30 }, (_, i) => ({ stream: `line ${i}\n` })), { error: "The command '/bin/sh -c false' returned a non-zero code: 1" }];
    const error = (await ensureBuilt(engine, { tool: 'tool', plan, onBuild: recorder().onBuild }).catch((e: unknown) => e)) as EngineError;
    expect(error).toBeInstanceOf(EngineError);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe("building tool failed: The command '/bin/sh -c false' returned a non-zero code: 1");
    expect(lines[1]).toBe(`last lines of ${buildLogFile(plan.tag)}:`);
    expect(lines.slice(2)).toEqual([...Array.from({ length: 19 }, (_, i) => `  line ${i + 11}`), "  The command '/bin/sh -c false' returned a non-zero code: 1"]);
    expect(readFileSync(buildLogFile(plan.tag), 'utf8')).toContain('line 0\n');
    expect(engine.images.has(plan.tag)).toBe(false);
  });

  it('a base the engine cannot pull: says how to build on one it has', async () => {
    const engine = new FakeEngine();
    engine.buildEvents = () => [{ stream: 'Step 1/2 : FROM x\n' }, { error: 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host' }];
    await expect(ensureBuilt(engine, { tool: 'tool', plan, onBuild: recorder().onBuild })).rejects.toThrow(/\(the engine cannot get the base debian:bookworm-20250721-slim@sha256:a+: build on an image it has with --base REF or BERTH_BASE_IMAGE=REF\)/);
  });

  it('a build that stalls fails with what to suspect', async () => {
    const engine = new FakeEngine();
    engine.on.buildImage = () => {
      throw Object.assign(new Error('stalled'), { code: STALLED });
    };
    await expect(ensureBuilt(engine, { tool: 'tool', plan, onBuild: recorder().onBuild })).rejects.toThrow(/^building tool failed: the build printed nothing for \d+ s \(a stalled download or a step waiting for input\)/);
  });
});
