// Project pins (berth.yaml), berth.lock and `berth use`/`sync`/`sync --check`, against the local
// registry: two projects pinning two versions of one tool through the same shim, digests equal to
// what the registry serves, and a locked digest that holds after the tag moves.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { buildImage } from '../harness/images.js';
import { removeLocalImage } from '../harness/registry.js';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** Runs the shim `name` by name from /bin/sh with PATH=SHIMDIR:/usr/bin:/bin, in `cwd`. */
function runShim(sb: Sandbox, shimDir: string, name: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'exec "$0" "$@"', name, ...args], {
      cwd,
      env: { ...sb.env, PATH: `${shimDir}:/usr/bin:/bin` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

const unique = `${process.pid}-${Date.now()}`;
const local = (v: string) => `berth-test/pins-${unique}-v${v}`;

describe('project pins', () => {
  let sb: Sandbox;
  let repo: string;
  let shimDir: string;
  /** The digest the registry serves for each pushed tag, from docker inspect after the push. */
  const served: Record<string, string> = {};
  const projectA = () => path.join(sb.root, 'project-a');
  const projectB = () => path.join(sb.root, 'project-b');
  const b = (args: string[], cwd: string, env?: NodeJS.ProcessEnv) => berth(sb, args, { cwd, env: { BERTH_SHIM_DIR: shimDir, ...env } });
  const which = ['sh', '-c', 'echo "$PIN"'];

  beforeAll(async () => {
    sb = makeSandbox();
    shimDir = path.join(sb.root, 'shims');
    repo = `${inject('registry')}/berth-test/pins-${unique}`;
    for (const v of ['1', '2', '3']) {
      await buildImage(local(v), {}, `FROM ${inject('fixtureImage')}\nENV PIN=image-${v}\n`);
    }
    // 1.0 and 2.0 for the pins, 3.0 for the recipe's default.
    for (const v of ['1', '2', '3']) {
      const ref = `${repo}:${v}.0`;
      docker('tag', local(v), ref);
      docker('push', ref);
      served[`${v}.0`] = docker('inspect', '--format', '{{index .RepoDigests 0}}', ref).split('@')[1]!;
      await removeLocalImage(ref);
    }
    writeRecipe(sb, { name: 'pins', image: `${repo}:{version}`, version: '3.0' });
    for (const dir of [projectA(), projectB(), path.join(projectA(), 'sub', 'dir')]) mkdirSync(dir, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    for (const v of ['1', '2', '3']) await removeLocalImage(local(v)).catch(() => {});
  });

  it('berth use creates berth.yaml, pins the recipe default or the given version, and refuses what cannot be pinned', async () => {
    const a = await b(['use', 'pins@1.0'], projectA());
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.toString()).toBe(`pinned pins 1.0 in ${projectA()}/berth.yaml; run berth sync to lock its digest\n`);
    expect(readFileSync(path.join(projectA(), 'berth.yaml'), 'utf8')).toBe('tools:\n  pins: "1.0"\n');
    writeFileSync(path.join(projectB(), 'berth.yaml'), '# project B pins its tools here\ntools:\n  pins: 1.0 # to be changed\n');
    const bUse = await b(['use', 'pins@2.0'], projectB());
    expect(bUse.stdout.toString()).toBe(`changed pins from 1.0 to 2.0 in ${projectB()}/berth.yaml; run berth sync to lock its digest\n`);
    expect(readFileSync(path.join(projectB(), 'berth.yaml'), 'utf8')).toBe('# project B pins its tools here\ntools:\n  pins: "2.0" # to be changed\n');
    const unknown = await b(['use', 'no-such-tool'], projectB());
    expect(unknown.code).toBe(127);
    writeRecipe(sb, { name: 'pins-fixed', image: `${repo}:1.0`, version: '1.0' });
    const inexpressible = await b(['use', 'pins-fixed@2.0'], projectB());
    expect(inexpressible.code).toBe(1);
    expect(inexpressible.stderr).toMatch(/^berth: pins-fixed@2\.0: the recipe's image .* has no \{version\}; only 1\.0 is available/);
  });

  it('two projects pinning two versions each get theirs through the same shim; outside, the recipe default', async () => {
    const install = await b(['install', '--quiet', 'pins'], sb.work);
    expect(install.code, install.stderr).toBe(0);
    const a = await runShim(sb, shimDir, 'pins', which, path.join(projectA(), 'sub', 'dir'));
    const bb = await runShim(sb, shimDir, 'pins', which, projectB());
    const outside = await runShim(sb, shimDir, 'pins', which, sb.work);
    expect([a.stdout, bb.stdout, outside.stdout]).toEqual(['image-1\n', 'image-2\n', 'image-3\n']);
    expect(a.code).toBe(0);
  });

  it('an explicit version beats the pin', async () => {
    const r = await b(['run', 'pins@2.0', ...which], projectA());
    expect(r.stdout.toString()).toBe('image-2\n');
  });

  it('--warm: a changed pin runs in a warm container of its own, never in the old one', async () => {
    const project = path.join(sb.root, 'project-warm');
    mkdirSync(project);
    const warmOfPins = () => docker('ps', '-q', '--filter', 'label=berth.warm=true', '--filter', 'label=berth.tool=pins', '--filter', `volume=${project}`).split('\n').filter(Boolean);
    try {
      // The pinned image's PIN, and the container that served it (its hostname: its id's first 12 digits).
      const served = async () => (await b(['run', '--warm', 'pins', 'sh', '-c', 'echo "$PIN $(hostname)"'], project)).stdout.toString().trim().split(' ');
      writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  pins: "1.0"\n');
      const [pin1, host1] = await served();
      expect(pin1).toBe('image-1');
      const [first] = warmOfPins();
      expect(host1).toBe(first);
      expect(await served()).toEqual([pin1, host1]);
      expect(warmOfPins()).toEqual([first]);
      writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  pins: "2.0"\n');
      const [pin2, host2] = await served();
      expect(pin2).toBe('image-2');
      expect(host2).not.toBe(first);
      expect(warmOfPins().sort()).toEqual([first, host2].sort());
      // And back: the 1.0 container serves 1.0 again.
      writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  pins: "1.0"\n');
      expect(await served()).toEqual(['image-1', first]);
      expect(warmOfPins()).toHaveLength(2);
    } finally {
      await b(['warm', 'stop', 'pins'], project);
    }
  });

  it('sync --check fails on a missing lock, without needing the engine', async () => {
    const r = await b(['sync', '--check'], projectA(), { DOCKER_HOST: 'unix:///nonexistent' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${projectA()}/berth.lock: missing; run berth sync to write it\n`);
    expect(r.stdout.toString()).toBe('');
  });

  it('sync writes the digests the registry serves, and sync --check then passes', async () => {
    const r = await b(['sync', '--quiet'], projectA());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe(`locked pins 1.0 ${repo}:1.0@${served['1.0']}\nwrote ${projectA()}/berth.lock\n`);
    const lock = parse(readFileSync(path.join(projectA(), 'berth.lock'), 'utf8'));
    expect(lock).toEqual({ lockVersion: 1, tools: { pins: { version: '1.0', image: `${repo}:1.0`, digest: served['1.0'] } } });
    const check = await b(['sync', '--check'], projectA(), { DOCKER_HOST: 'unix:///nonexistent' });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout.toString()).toBe(`${projectA()}/berth.lock is in sync with berth.yaml (1 tool)\n`);
    const dry = await b(['run', '--dry-run', 'pins', 'true'], projectA());
    expect(dry.stdout.toString()).toContain(` ${repo}@${served['1.0']} `);
    // info shows what a run here runs: the pinned version and the locked digest.
    const info = await b(['info', 'pins', '--json'], projectA());
    expect(JSON.parse(info.stdout.toString())).toMatchObject({ version: '3.0', referenceVersion: '1.0', reference: `${repo}@${served['1.0']}`, referenceFrom: 'project', locked: true });
    const human = await b(['info', 'pins'], projectA());
    expect(human.stdout.toString()).toContain(`  reference  ${repo}@${served['1.0']} (for 1.0, pinned by the project's berth.yaml, digest locked in berth.lock)\n`);
  });

  it('a run in the project uses the locked digest after the tag is moved to another image', async () => {
    // Project C pins the same tag without a lock: it follows the tag.
    const projectC = path.join(sb.root, 'project-c');
    mkdirSync(projectC);
    writeFileSync(path.join(projectC, 'berth.yaml'), 'tools:\n  pins: "1.0"\n');
    const moved = `${repo}:1.0`;
    docker('tag', local('3'), moved);
    docker('push', moved);
    expect(docker('inspect', '--format', '{{index .RepoDigests 0}}', moved).split('@')[1]).not.toBe(served['1.0']);
    await removeLocalImage(moved);
    await removeLocalImage(`${repo}@${served['1.0']}`);
    const viaShim = await runShim(sb, shimDir, 'pins', which, projectA());
    expect(viaShim.stdout).toBe('image-1\n');
    expect(viaShim.stderr).toBe(`berth: pulling ${repo}@${served['1.0']}\n`);
    const viaRun = await b(['run', ...['pins', ...which]], projectA());
    expect(viaRun.stdout.toString()).toBe('image-1\n');
    const unlocked = await b(['run', 'pins', ...which], projectC);
    expect(unlocked.stdout.toString()).toBe('image-3\n');
    // sync keeps a digest it already has; --update resolves the tag again.
    const kept = await b(['sync', '--quiet'], projectA());
    expect(kept.stdout.toString()).toBe(`kept   pins 1.0 ${repo}:1.0@${served['1.0']}\n${projectA()}/berth.lock unchanged\n`);
    const updated = await b(['sync', '--quiet', '--update'], projectA());
    expect(updated.stdout.toString()).toMatch(/^locked pins 1\.0 .*:1\.0@sha256:[0-9a-f]{64}\nwrote /);
    expect(updated.stdout.toString()).not.toContain(served['1.0']);
    expect((await b(['run', 'pins', ...which], projectA())).stdout.toString()).toBe('image-3\n');
  });

  it('sync --check fails on a stale lock: a changed pin, an added tool, a removed tool', async () => {
    await b(['sync', '--quiet'], projectA());
    await b(['use', 'pins@2.0'], projectA());
    const changed = await b(['sync', '--check'], projectA());
    expect(changed.code).toBe(1);
    expect(changed.stderr).toBe(`${projectA()}/berth.lock:5: tools.pins.version: 1.0, but ${projectA()}/berth.yaml:2 pins 2.0; run berth sync\n`);
    await b(['use', 'pins-fixed'], projectA());
    const added = await b(['sync', '--check'], projectA());
    expect(added.stderr.trim().split('\n')).toEqual([
      `${projectA()}/berth.lock:5: tools.pins.version: 1.0, but ${projectA()}/berth.yaml:2 pins 2.0; run berth sync`,
      `${projectA()}/berth.lock: tools.pins-fixed: not locked (${projectA()}/berth.yaml:3 pins pins-fixed 1.0); run berth sync`,
    ]);
    writeFileSync(path.join(projectA(), 'berth.yaml'), 'tools:\n  pins-fixed: "1.0"\n');
    await b(['sync', '--quiet'], projectA());
    expect((await b(['sync', '--check'], projectA())).code).toBe(0);
    writeFileSync(path.join(projectA(), 'berth.yaml'), 'tools: {}\n');
    const removed = await b(['sync', '--check'], projectA());
    expect(removed.code).toBe(1);
    expect(removed.stderr).toBe(`${projectA()}/berth.lock:5: tools.pins-fixed: locked but not pinned in ${projectA()}/berth.yaml; run berth sync\n`);
  });

  it('sync --check fails when a pinned recipe\'s image changed since the lock', async () => {
    const project = path.join(sb.root, 'project-image');
    mkdirSync(project);
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  pins: "2.0"\n');
    expect((await b(['sync', '--quiet'], project)).code).toBe(0);
    try {
      writeRecipe(sb, { name: 'pins', image: `${repo}-elsewhere:{version}`, version: '3.0' });
      const r = await b(['sync', '--check'], project, { DOCKER_HOST: 'unix:///nonexistent' });
      expect([r.code, r.stdout.toString()]).toEqual([1, '']);
      expect(r.stderr).toBe(`${project}/berth.lock:5: tools.pins.image: ${repo}:2.0, but pins 2.0 is now ${repo}-elsewhere:2.0; run berth sync\n`);
    } finally {
      writeRecipe(sb, { name: 'pins', image: `${repo}:{version}`, version: '3.0' });
    }
    expect((await b(['sync', '--check'], project)).code).toBe(0);
  });

  it('sync through a registry mirror locks the original reference, with the digest the mirror served', async () => {
    // A docker.io recipe whose images the mirror (the test registry) serves under the same path.
    const hub = `docker.io/berth-test/pins-${unique}`;
    writeRecipe(sb, { name: 'pins-hub', image: `${hub}:{version}`, version: '3.0' });
    const project = path.join(sb.root, 'project-mirror');
    mkdirSync(project);
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  pins-hub: "2.0"\n');
    const mirror = { BERTH_REGISTRY_MIRROR: inject('registry') };
    const r = await b(['sync', '--quiet'], project, mirror);
    expect(r.code, r.stderr).toBe(0);
    const lock = parse(readFileSync(path.join(project, 'berth.lock'), 'utf8'));
    expect(lock).toEqual({ lockVersion: 1, tools: { 'pins-hub': { version: '2.0', image: `${hub}:2.0`, digest: served['2.0'] } } });
    // Checked without a mirror or an engine; run through the mirror by the locked digest.
    expect((await b(['sync', '--check'], project, { DOCKER_HOST: 'unix:///nonexistent' })).code).toBe(0);
    const run = await b(['run', '--dry-run', 'pins-hub', 'true'], project, mirror);
    expect(run.stdout.toString()).toContain(` ${repo}@${served['2.0']} `);
  });

  it('writes berth.lock atomically: a new file renamed over the old one, nothing left beside it', async () => {
    const project = path.join(sb.root, 'project-atomic');
    mkdirSync(project);
    const lockFile = path.join(project, 'berth.lock');
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  pins: "2.0"\n');
    expect((await b(['sync', '--quiet'], project)).code).toBe(0);
    const before = readFileSync(lockFile, 'utf8');
    // A second name for the old file: a write in place would change what it reads too.
    const old = path.join(sb.root, 'atomic-old.lock');
    linkSync(lockFile, old);
    expect((await b(['use', 'pins@3.0'], project)).code).toBe(0);
    expect((await b(['sync', '--quiet'], project)).code).toBe(0);
    expect(readFileSync(lockFile, 'utf8')).not.toBe(before);
    expect(readFileSync(lockFile, 'utf8')).toContain('version: "3.0"');
    expect(readFileSync(old, 'utf8')).toBe(before);
    expect(readdirSync(project).sort()).toEqual(['berth.lock', 'berth.yaml']);
  });

  it('a broken berth.yaml or berth.lock stops runs inside that project only, with file:line and exit 1', async () => {
    const broken = path.join(sb.root, 'broken');
    mkdirSync(path.join(broken, 'deep'), { recursive: true });
    writeFileSync(path.join(broken, 'berth.yaml'), 'tools:\n  pins: 1.0\n  nosuch: 2.0\n');
    const unknown = await b(['run', 'pins', 'true'], path.join(broken, 'deep'));
    expect([unknown.code, unknown.stderr]).toEqual([1, `${broken}/berth.yaml:3: tools.nosuch: no recipe for "nosuch" (see berth list)\n`]);
    const viaShim = await runShim(sb, shimDir, 'pins', ['true'], broken);
    expect([viaShim.code, viaShim.stderr]).toEqual([1, `${broken}/berth.yaml:3: tools.nosuch: no recipe for "nosuch" (see berth list)\n`]);
    writeFileSync(path.join(broken, 'berth.yaml'), 'tools:\n  pins-fixed: 2.0\n');
    const version = await b(['run', 'pins', 'true'], broken);
    expect(version.code).toBe(1);
    expect(version.stderr).toMatch(new RegExp(`^${broken}/berth.yaml:2: tools\\.pins-fixed: 2\\.0: the recipe's image .* has no \\{version\\}`));
    writeFileSync(path.join(broken, 'berth.yaml'), 'tools:\n  pins: [1.0\n');
    const yaml = await b(['run', 'pins', 'true'], broken);
    expect(yaml.code).toBe(1);
    expect(yaml.stderr).toMatch(new RegExp(`^${broken}/berth.yaml:\\d+: not valid YAML`));
    writeFileSync(path.join(broken, 'berth.yaml'), 'tools:\n  pins: "1.0"\n');
    writeFileSync(path.join(broken, 'berth.lock'), 'lockVersion: 1\ntools:\n  pins:\n    version: "1.0"\n    digest: sha256:nothex\n');
    const lock = await b(['run', 'pins', 'true'], broken);
    expect([lock.code, lock.stderr]).toEqual([1, `${broken}/berth.lock:5: tools.pins.digest: "sha256:nothex" is not a sha256 digest (sha256: and 64 hex digits)\n`]);
    const outside = await b(['run', 'pins', ...which], sb.work);
    expect([outside.code, outside.stdout.toString()]).toEqual([0, 'image-3\n']);
    expect(existsSync(path.join(sb.work, 'berth.yaml'))).toBe(false);
  });
});
