// Issue 12 §5: parallel commands. Read-modify-writes of berth.yaml and berth.lock are serialised
// between processes: every success a command reports is on disk.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

describe('parallel berth use and sync in one project', () => {
  let sb: Sandbox;
  const tools = Array.from({ length: 20 }, (_, i) => `par${i}`);

  beforeAll(() => {
    sb = makeSandbox();
    // Every tool's image is the registry's fixture (tag 1), so sync can lock them all.
    const [repo] = inject('registryFixtureRef').split(/:(?=[^:/]+$)/);
    for (const name of tools) writeRecipe(sb, { name, image: `${repo}:{version}`, version: '1' });
  });

  it('20 parallel berth use keep all 20 pins, each reported success on disk', async () => {
    const project = path.join(sb.root, 'use-race');
    mkdirSync(project);
    const results = await Promise.all(tools.map((t) => berth(sb, ['use', t], { cwd: project })));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const pinned = (parse(readFileSync(path.join(project, 'berth.yaml'), 'utf8')) as { tools: Record<string, string> }).tools;
    expect(Object.keys(pinned).sort()).toEqual([...tools].sort());
  });

  it('berth use takes several tools; parallel syncs with uses leave a lock that matches berth.yaml', async () => {
    const project = path.join(sb.root, 'sync-race');
    mkdirSync(project);
    const first = await berth(sb, ['use', ...tools.slice(0, 10)], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.toString().trimEnd().split('\n')).toHaveLength(10);
    const runs = await Promise.all([
      berth(sb, ['sync', '-q'], { cwd: project }),
      ...tools.slice(10, 15).map((t) => berth(sb, ['use', t], { cwd: project })),
      berth(sb, ['sync', '-q'], { cwd: project }),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    // Whatever the order, one more sync after all of them locks every pin, and --check agrees.
    const last = await berth(sb, ['sync', '-q'], { cwd: project });
    expect(last.code, last.stderr).toBe(0);
    const check = await berth(sb, ['sync', '--check'], { cwd: project });
    expect(check.code, check.stderr).toBe(0);
    const lock = (parse(readFileSync(path.join(project, 'berth.lock'), 'utf8')) as { tools: Record<string, unknown> }).tools;
    expect(Object.keys(lock).sort()).toEqual(tools.slice(0, 15).sort());
  });

  it('a project lock left by a killed berth is taken over', async () => {
    const project = path.join(sb.root, 'dead-lock');
    mkdirSync(project);
    const { shortHash } = await import('../../src/platform/short-hash.js');
    const lockDir = path.join(sb.cache, 'berth', 'locks');
    mkdirSync(lockDir, { recursive: true });
    // pid 2^22+1 is above any pid_max default: no such process.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(lockDir, `project-${shortHash(project)}.lock`), String(4_194_305));
    const r = await berth(sb, ['use', 'par0'], { cwd: project, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
  });
});
