// Issue 17: `berth which` in and out of a project with a lock, `berth pull` (named tools, and every
// pin of a project) and `berth gc --dry-run` on the real engine, with images pushed to the local
// registry so that what which names and what pull fetches can be checked against what it serves.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildImage, imageExists } from '../harness/images.js';
import { pushImage, removeLocalImage } from '../harness/registry.js';
import { BERTH, berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

const unique = `${process.pid}-${Date.now()}`;
const local = (v: string) => `berth-test/which-${unique}-v${v}`;

describe('which, pull and gc --dry-run', () => {
  let sb: Sandbox;
  let repo: string;
  let recipeFile: string;
  const tool = `whichtool-${process.pid}`;
  /** The digest the registry serves for each pushed tag. */
  const served: Record<string, string> = {};
  const project = () => path.join(sb.root, 'project');
  const shims = () => path.join(sb.root, 'shims');
  const b = (args: string[], cwd = sb.work) => berth(sb, args, { cwd, env: { BERTH_SHIM_DIR: shims() } });

  beforeAll(async () => {
    sb = makeSandbox();
    repo = `${inject('registry')}/berth-test/which-${unique}`;
    for (const v of ['1', '2']) {
      await buildImage(local(v), {}, `FROM ${inject('fixtureImage')}\nENV PIN=image-${v}\n`);
      served[`${v}.0`] = await pushImage(local(v), `${repo}:${v}.0`);
      await removeLocalImage(`${repo}:${v}.0`);
    }
    recipeFile = writeRecipe(sb, { name: tool, image: `${repo}:{version}`, version: '2.0', versions: ['1.0', '2.0'] });
    mkdirSync(path.join(project(), 'src'), { recursive: true });
    mkdirSync(shims());
  }, 600_000);

  afterAll(async () => {
    for (const v of ['1', '2']) {
      await removeLocalImage(`${repo}:${v}.0`).catch(() => {});
      await removeLocalImage(local(v)).catch(() => {});
    }
  });

  it('which, outside a project: the recipe, its source and default version, the tag alone, the engine', async () => {
    const r = await b(['which', tool, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toEqual({
      name: tool,
      recipe: { file: recipeFile, source: 'path' },
      version: '2.0',
      versionFrom: 'recipe',
      pin: null,
      reference: `${repo}:2.0`,
      mirrored: null,
      digest: null,
      digestFrom: null,
      lockFile: null,
      engine: `unix://${sb.env.DOCKER_HOST?.replace(/^unix:\/\//, '') ?? '/var/run/docker.sock'}`,
      engineProblem: null,
      warm: false,
      warmFrom: 'recipe',
    });
    const human = await b(['which', `${tool}@1.0`]);
    expect(human.stdout.toString().split('\n').slice(0, 3)).toEqual([`${tool} 1.0`, `  recipe    ${recipeFile} (path: BERTH_RECIPES_PATH)`, '  version   1.0 (from the command line)']);
    // The warm setting decides over the recipe, and says so.
    await b(['config', 'set', 'warm', 'true']);
    const warm = JSON.parse((await b(['which', tool, '--json'])).stdout.toString()) as { warm: boolean; warmFrom: string };
    await b(['config', 'unset', 'warm']);
    expect(warm).toMatchObject({ warm: true, warmFrom: 'setting' });
    const unknown = await b(['which', 'no-such-tool-here']);
    expect([unknown.code, unknown.stderr]).toEqual([127, 'berth: no recipe for "no-such-tool-here" (see berth list)\n']);
  });

  it("which, in a project with a lock: berth.yaml's line, berth.lock's digest as the registry serves it", async () => {
    writeFileSync(path.join(project(), 'berth.yaml'), `# tools\ntools:\n  ${tool}: "1.0"\n`);
    const sync = await b(['sync', '--quiet'], project());
    expect(sync.code, sync.stderr).toBe(0);
    const r = await b(['which', tool, '--json'], path.join(project(), 'src'));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({
      version: '1.0',
      versionFrom: 'project',
      pin: { file: path.join(project(), 'berth.yaml'), line: 3 },
      reference: `${repo}@${served['1.0']}`,
      digest: served['1.0'],
      digestFrom: 'lock',
      lockFile: path.join(project(), 'berth.lock'),
    });
    const human = (await b(['which', tool], project())).stdout.toString();
    expect(human).toContain(`  version   1.0 (pinned at ${project()}/berth.yaml:3)\n`);
    expect(human).toContain(`  digest    ${served['1.0']} (locked in ${project()}/berth.lock)\n`);
    // An explicit version the lock does not have: the tag, no digest.
    const other = JSON.parse((await b(['which', `${tool}@2.0`, '--json'], project())).stdout.toString()) as Record<string, unknown>;
    expect(other).toMatchObject({ version: '2.0', versionFrom: 'command line', pin: null, reference: `${repo}:2.0`, digest: null, lockFile: null });
  });

  it("pull, in a project with no tool named: every pin, by berth.lock's digest, and no shim", async () => {
    await removeLocalImage(`${repo}@${served['1.0']}`);
    expect(await imageExists(`${repo}@${served['1.0']}`)).toBe(false);
    const r = await b(['pull', '--quiet'], path.join(project(), 'src'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe(`pulled ${tool} 1.0 (${repo}@${served['1.0']})\n`);
    expect(await imageExists(`${repo}@${served['1.0']}`)).toBe(true);
    expect(readdirSync(shims())).toEqual([]);
    // A digest names one image for ever: the engine has it, the registry is not asked.
    const again = await b(['pull'], project());
    expect([again.code, again.stdout.toString(), again.stderr]).toEqual([0, `${tool} 1.0: already in the engine (${repo}@${served['1.0']})\n`, '']);
  });

  it('pull, named tools: the version asked, progress on stderr; failures named, exit 125; no tool outside a project is a usage error', async () => {
    await removeLocalImage(`${repo}:2.0`);
    // Asked for by name, the pull is made: pullPolicy governs runs.
    expect((await b(['config', 'set', 'pullPolicy', 'never'])).code).toBe(0);
    const r = await b(['pull', `${tool}@2.0`]);
    expect((await b(['config', 'unset', 'pullPolicy'])).code).toBe(0);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe(`pulled ${tool} 2.0 (${repo}:2.0)\n`);
    expect(r.stderr).toBe(`berth: pulling ${repo}:2.0\n`);
    expect(docker('image', 'inspect', '--format', '{{json .RepoDigests}}', `${repo}:2.0`)).toContain(served['2.0']);
    const missing = await b(['pull', `${tool}@9.9`, `${tool}@2.0`]);
    expect(missing.code).toBe(125);
    expect(missing.stdout.toString()).toBe(`pulled ${tool} 2.0 (${repo}:2.0)\n`);
    expect(missing.stderr).toMatch(new RegExp(`^berth: pulling ${repo.replace(/[.]/g, '\\.')}:9\\.9\\n`));
    expect(missing.stderr).toContain(`berth: pull: 1 of 2 tools failed\nberth: ${tool} 9.9: pulling ${repo}:9.9: `);
    expect(missing.stderr).toContain(`(the registry has no 9.9 for `);
    const none = await b(['pull']);
    expect([none.code, none.stderr]).toEqual([125, `berth: name the tools to pull (berth pull TOOL[@VERSION]...), or run it in a project to pull every tool its berth.yaml pins (no berth.yaml in ${sb.work} or above it)\n`]);
  });

  it("pull builds a recipe that builds its image (on --base), once: a second pull finds it; a bad --platform is one line", async () => {
    const built = `pullbuilt-${process.pid}`;
    // A base that cannot be pulled, replaced by the fixture (as an air-gapped user does): no network.
    writeRecipe(sb, { name: built, build: { from: `pull.invalid/base:1@sha256:${'0'.repeat(64)}`, run: ['echo built > /built'] } });
    try {
      const r = await b(['pull', '-q', '--base', inject('fixtureImage'), built]);
      expect([r.code, r.stderr]).toEqual([0, '']);
      const tag = /^pulled pullbuilt-\d+ 1 \((berth-build\/pullbuilt-\d+:[0-9a-f]+)\)\n$/.exec(r.stdout.toString())?.[1];
      expect(tag, r.stdout.toString()).toBeDefined();
      expect(docker('run', '--rm', tag!, 'cat', '/built')).toBe('built');
      const again = await b(['pull', '--base', inject('fixtureImage'), built]);
      expect([again.code, again.stdout.toString()]).toEqual([0, `${built} 1: already in the engine (${tag})\n`]);
      const bad = await b(['pull', '--platform', 'amd64', built]);
      expect(bad.code).toBe(125);
      // berth builds for the engine's own platform only: another one is refused before any build.
      for (const command of ['pull', 'run']) {
        const other = await b([command, '--platform', 'linux/arm64', '--base', inject('fixtureImage'), built, ...(command === 'run' ? ['true'] : [])]);
        expect(other.code).toBe(125);
        expect(other.stderr).toContain(`${built} builds its image here, for the engine's own platform: --platform linux/arm64`);
      }
      expect(bad.stderr).toMatch(/^berth[^\n]*--platform amd64: not a platform \(expected OS\/ARCH\[\/VARIANT\], e\.g\. linux\/amd64\)[^\n]*\n$/);
    } finally {
      const ids = docker('images', '-q', '--filter', `label=berth.build=${built}`).split('\n').filter(Boolean);
      if (ids.length > 0) docker('rmi', '-f', ...ids);
    }
  });

  it('gc --dry-run: the container of a killed berth and stale warm files, with why; nothing removed; gc then removes them', async () => {
    const containers = () => docker('ps', '-aq', '--filter', `label=berth.tool=${tool}`).split('\n').filter(Boolean);
    const warm = path.join(sb.cache, 'berth', 'warm');
    const staleSockets = path.join(warm, 'sockets', '0123456789abcdef0123');
    const staleUse = path.join(warm, 'used', `berth-warm-${tool}-gone`);
    mkdirSync(staleSockets, { recursive: true });
    mkdirSync(path.dirname(staleUse), { recursive: true });
    writeFileSync(staleUse, '');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(staleSockets, hourAgo, hourAgo);
    const child = spawn(process.execPath, [BERTH, 'run', `${tool}@2.0`, 'sh', '-c', 'echo ready; sleep 600'], { cwd: sb.work, env: sb.env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', () => reject(new Error('berth ended before its tool was ready')));
      });
      const [id] = containers();
      expect(id).toBeDefined();
      const alive = await b(['gc', '--dry-run']);
      expect(alive.stdout.toString()).not.toContain(id!.slice(0, 12));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const dry = await b(['gc', '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout.toString().split('\n')).toEqual([
        `would remove container ${id!.slice(0, 12)} (${tool}, its berth (pid ${child.pid}) is gone)`,
        `would remove ${staleSockets} (socket directory of a warm container that is gone)`,
        `would remove ${staleUse} (last-use mark of a warm container that is gone)`,
        'would remove 1 container and 2 files; nothing was removed (run berth gc to remove them)',
        '',
      ]);
      // Nothing was removed.
      expect(containers()).toEqual([id]);
      expect([existsSync(staleSockets), existsSync(staleUse)]).toEqual([true, true]);
      const gc = await b(['gc']);
      expect(gc.stdout.toString()).toBe(`removed ${id!.slice(0, 12)} (${tool}, its berth (pid ${child.pid}) is gone)\nremoved 1 container\n`);
      expect(containers()).toEqual([]);
      expect([existsSync(staleSockets), existsSync(staleUse)]).toEqual([false, false]);
      expect((await b(['gc', '--dry-run'])).stdout.toString()).toBe('nothing to remove\n');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      const left = containers();
      if (left.length > 0) docker('rm', '-f', ...left);
    }
  });
});
