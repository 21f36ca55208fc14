// `berth doctor`: one test for each problem it claims to detect, and a clean bill of health.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

describe('berth doctor', () => {
  let sb: Sandbox;
  let shimDir: string;
  const onPath = () => `${shimDir}:${process.env.PATH}`;
  const doctor = async (env: NodeJS.ProcessEnv = {}, cwd?: string) => {
    const r = await berth(sb, ['doctor'], { cwd, env: { BERTH_SHIM_DIR: shimDir, PATH: onPath(), ...env } });
    return { code: r.code, stderr: r.stderr, lines: r.stdout.toString().trim().split('\n') };
  };
  const problems = (lines: string[]) => lines.filter((l) => !l.startsWith('ok '));

  beforeAll(async () => {
    sb = makeSandbox();
    shimDir = path.join(sb.root, 'shims');
    writeRecipe(sb, { name: 'doc-fx', image: `${inject('registry')}/berth-test/fixture:{version}`, version: '1' });
    const r = await berth(sb, ['install', '--no-pull', 'doc-fx'], { env: { BERTH_SHIM_DIR: shimDir } });
    expect(r.code, r.stderr).toBe(0);
  });

  it('says ok for every check when all is well, with the engine version, and exits 0', async () => {
    const r = await doctor();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The engine here is rootful dockerd; doctor names the mode it asked the engine for.
    expect(r.lines[0]).toMatch(/^ok engine reachable at .*: Docker \d+\.\d+\.\d+\S* \(API 1\.\d+, linux\/\w+\), rootful$/);
    expect(r.lines.slice(1)).toEqual([
      `ok shim directory ${shimDir} is on PATH`,
      `ok shim doc-fx runs ${path.resolve('dist/shim-entry.js')}`,
      expect.stringMatching(/^ok recipes: \d+ recipes, every file valid$/),
      'ok not inside a project (no berth.yaml here or above)',
    ]);
  });

  it('detects an unreachable engine', async () => {
    const r = await doctor({ DOCKER_HOST: 'unix:///nonexistent' });
    expect(r.code).toBe(1);
    expect(problems(r.lines)).toEqual([
      'problem engine not reachable: cannot reach the Docker engine at unix:///nonexistent (is the Docker engine running?); fix: start the Docker engine (or the Podman service), or point DOCKER_HOST (or the docker context) at a running one',
    ]);
  });

  it('detects an endpoint berth cannot speak to (npipe://)', async () => {
    const r = await doctor({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' });
    expect(r.code).toBe(1);
    expect(problems(r.lines)).toEqual([
      expect.stringMatching(/^problem engine not reachable: cannot reach the Docker engine at npipe:\/\/\/\/\.\/pipe\/docker_engine: berth speaks to engines over unix:\/\/, tcp:\/\/ and ssh:\/\/; fix: /),
    ]);
  });

  it('detects a shim directory that is not on PATH, and says the line to add', async () => {
    const r = await doctor({ PATH: '/usr/bin:/bin' });
    expect(r.code).toBe(1);
    expect(problems(r.lines)).toEqual([
      `problem shim directory ${shimDir} is not on PATH, so its shims are not found by name; fix: add this line to your shell profile: export PATH="${shimDir}:$PATH"`,
    ]);
  });

  it('detects a shim shadowed by a command of the same name earlier on PATH, and says how to put it first', async () => {
    const earlier = path.join(sb.root, 'earlier-bin');
    mkdirSync(earlier, { recursive: true });
    writeFileSync(path.join(earlier, 'doc-fx'), '#!/bin/sh\necho not berth\n', { mode: 0o755 });
    const r = await doctor({ PATH: `${earlier}:${onPath()}` });
    expect(r.code).toBe(1);
    expect(problems(r.lines)).toEqual([
      `problem shim doc-fx is shadowed by ${earlier}/doc-fx, earlier on PATH, so "doc-fx" does not run berth; fix: put ${shimDir} before ${earlier} on PATH: export PATH="${shimDir}:$PATH" at the end of your shell profile (or remove ${earlier}/doc-fx)`,
    ]);
    // After the shim directory, the same file shadows nothing.
    expect((await doctor({ PATH: `${onPath()}:${earlier}` })).code).toBe(0);
  });

  it('detects a shim pointing at a berth that does not exist, and berth install fixes it', async () => {
    const file = path.join(shimDir, 'doc-fx');
    const entry = path.resolve('dist/shim-entry.js');
    writeFileSync(file, readFileSync(file, 'utf8').replace(entry, '/gone/berth/dist/shim-entry.js'));
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(problems(r.lines)).toEqual([
      `problem shim doc-fx: ${file} runs berth at /gone/berth/dist/shim-entry.js, which does not exist; fix: berth install doc-fx (rewrites it for this berth)`,
    ]);
    await berth(sb, ['install', '--no-pull', 'doc-fx'], { env: { BERTH_SHIM_DIR: shimDir } });
    expect((await doctor()).code).toBe(0);
  });

  it('detects a broken recipe file, with file and line', async () => {
    const dir = path.join(sb.root, 'more-recipes');
    mkdirSync(dir, { recursive: true });
    const bad = path.join(dir, 'broken.yaml');
    writeFileSync(bad, 'name: broken\ndescription: x\nversion: "1"\nimage: Not An Image\n');
    const r = await doctor({ BERTH_RECIPES_PATH: `${sb.recipes}:${dir}` });
    expect(r.code).toBe(1);
    expect(problems(r.lines)).toEqual([
      expect.stringMatching(new RegExp(`^problem recipe ${bad}:4: image: .*; fix: correct or remove ${bad} \\(berth recipes lint checks it\\)$`)),
    ]);
  });

  it('detects a stale berth.lock inside a project', async () => {
    const project = path.join(sb.root, 'project');
    mkdirSync(project);
    const env = { BERTH_SHIM_DIR: shimDir };
    expect((await berth(sb, ['use', 'doc-fx@1'], { cwd: project, env })).code).toBe(0);
    const sync = await berth(sb, ['sync', '--quiet'], { cwd: project, env });
    expect(sync.code, sync.stderr).toBe(0);
    const fresh = await doctor({}, project);
    expect(fresh.code).toBe(0);
    expect(fresh.lines.at(-1)).toBe(`ok ${project}/berth.lock is in sync with berth.yaml (1 tool)`);
    await berth(sb, ['use', 'doc-fx@2'], { cwd: project, env });
    const stale = await doctor({}, path.join(project));
    expect(stale.code).toBe(1);
    expect(problems(stale.lines)).toEqual([
      `problem ${project}/berth.lock:5: tools.doc-fx.version: 1, but ${project}/berth.yaml:2 pins 2; fix: run berth sync (in ${project})`,
    ]);
  });
});
