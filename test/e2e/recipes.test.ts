import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parseImageReference } from '../../src/core/image-reference.js';
import { BUILTIN_RECIPES, readRecipe } from '../../src/core/recipes/catalog.js';
import { imageForVersion } from '../../src/core/recipes/image.js';
import type { Recipe } from '../../src/core/recipes/schema.js';
import { docker } from '../harness/exec.js';
import { STANDIN_BASE_IMAGE } from '../harness/standins-setup.js';
import { asUser, BERTH, berth, makeSandbox, OTHER_UID, type Sandbox } from '../support/berth.js';
import { fixturesIn, gifFacts, isNotRun, programsRun, RECIPE_EXAMPLES, type ExamplePlan, type ExampleResult, type ExampleRun } from './recipe-examples.js';

/**
 * The BUILT-IN recipes against the real programs. The upstream images cannot be pulled here, so
 * `--image` swaps in the stand-in of the recipe's image: Debian's package of the tool, laid out as
 * the evidence (recipes/sources.md, "Image layouts") says the upstream image is, never as the
 * recipe says (test/harness/standins-setup.ts). Everything else (entrypoint, script, user,
 * network, env) is the recipe's own, so a recipe that names a program its image does not have
 * fails here. A build recipe (`build:`) needs no stand-in: berth builds its image for real, with
 * its own apt packages from Debian's archive, only on the debootstrap'd stand-in Debian base
 * (BERTH_BASE_IMAGE) instead of its pinned base, which no registry here serves.
 */

const recipes: Recipe[] = readdirSync(BUILTIN_RECIPES)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => readRecipe(path.join(BUILTIN_RECIPES, f), 'builtin'));

/** registry/repository of a recipe's image, the key of its stand-in. */
function imageOf(recipe: Recipe): string {
  if (recipe.build) throw new Error(`${recipe.name} builds its image; it has no stand-in`);
  const ref = parseImageReference(imageForVersion({ ...recipe, digest: undefined }, recipe.version));
  return `${ref.registry}/${ref.repository}`;
}

const byName = (name: string) => recipes.find((r) => r.name === name)!;

let sb: Sandbox;
let standins: Record<string, string>;
let wrapperDir: string;

function standinOf(recipe: Recipe): string {
  const tag = standins[imageOf(recipe)];
  if (!tag) throw new Error(`no stand-in for ${imageOf(recipe)} (the image of ${recipe.name})`);
  return tag;
}

beforeAll(() => {
  standins = inject('standins');
  sb = makeSandbox({ uid: OTHER_UID });
  // Every build (the examples' and the tests' below) on the stand-in Debian base.
  sb.env.BERTH_BASE_IMAGE = STANDIN_BASE_IMAGE;
  // `berth` as the examples call it, with the stand-in of the recipe's image in place of the
  // upstream one (none for a build recipe: berth runs the image it built).
  wrapperDir = path.join(sb.root, 'bin');
  mkdirSync(wrapperDir);
  writeFileSync(
    path.join(wrapperDir, 'berth'),
    '#!/bin/sh\nif [ "$1" = run ] && [ -n "$BERTH_TEST_STANDIN" ]; then shift; exec "$BERTH_TEST_NODE" "$BERTH_TEST_CLI" run --image "$BERTH_TEST_STANDIN" "$@"; fi\nexec "$BERTH_TEST_NODE" "$BERTH_TEST_CLI" "$@"\n',
    { mode: 0o755 },
  );
});

/**
 * The image of a build recipe, built once a run with `berth build -q` (quiet, so the runs after it
 * print nothing of their own; the engine's layer cache makes a later run's build quick); resolves
 * with its tag.
 */
const builds = new Map<string, Promise<string>>();
function built(recipe: Recipe): Promise<string> {
  let tag = builds.get(recipe.name);
  if (!tag) {
    tag = berth(sb, ['build', '-q', recipe.name], { timeoutMs: 1_500_000 }).then((r) => {
      expect([r.code, r.stderr]).toEqual([0, '']);
      const m = /^built \S+ \S+: (berth-build\/\S+) /.exec(r.stdout.toString());
      expect(m, r.stdout.toString()).not.toBeNull();
      return m![1]!;
    });
    builds.set(recipe.name, tag);
  }
  return tag;
}

/** Runs an example line with sh, as the sandbox's user, in `dir`. */
function shell(line: string, dir: string, standin: string, input?: string): Promise<ExampleResult> {
  const [command, ...argv] = asUser(sb, ['/bin/sh', '-c', line]);
  return new Promise((resolve, reject) => {
    const child = spawn(command!, argv, {
      cwd: dir,
      env: { ...sb.env, PATH: `${wrapperDir}:${sb.env.PATH}`, BERTH_TEST_NODE: process.execPath, BERTH_TEST_CLI: BERTH, BERTH_TEST_STANDIN: standin },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`\`${line}\` did not finish within 240 s; stderr so far:\n${stderr}`));
    }, 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** A fresh directory for one example, owned by the sandbox's user. */
let dirs = 0;
function exampleDir(recipe: string): string {
  const dir = path.join(sb.work, `${recipe}-${++dirs}`);
  mkdirSync(dir);
  chownSync(dir, sb.uid, sb.gid);
  return dir;
}

/** Runs a stand-in's program in `dir` as the sandbox's user, without network, to make a fixture. */
async function runTool(dir: string, image: string, entrypoint: string, args: string[]): Promise<void> {
  const tag = standins[image];
  if (!tag) throw new Error(`no stand-in for ${image}`);
  await docker(['run', '--rm', '--network', 'none', '-u', `${sb.uid}:${sb.gid}`, '-v', `${dir}:/w`, '-w', '/w', '--entrypoint', entrypoint, tag, ...args], { timeoutMs: 120_000 });
}

/** An HTTP server on 127.0.0.1:8080 (the port the examples name) answering `ok` on /healthz. */
async function withServer<T>(fn: () => Promise<T>): Promise<T> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/healthz' ? 'ok' : 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`the curl and http examples need 127.0.0.1:8080 free: ${String(error)}`)));
    server.listen(8080, '127.0.0.1', resolve);
  });
  try {
    return await fn();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('every example of every built-in recipe, as written, on the stand-in of its image or on the image it builds', () => {
  for (const recipe of recipes) {
    const plans = RECIPE_EXAMPLES[recipe.name];
    // The unit test of the catalog fails when a recipe or an example is missing from the table.
    if (!plans) continue;
    if (isNotRun(plans)) {
      it.skip(`${recipe.name}: none run (${plans.notRun})`, () => {});
      continue;
    }
    describe(recipe.name, () => {
      if (recipe.build) beforeAll(() => built(recipe).then(() => undefined));
      for (const example of recipe.examples) {
        const plan = (plans as Record<string, ExamplePlan>)[example]!;
        if ('notRun' in plan) {
          it.skip(`${example}  (not run: ${plan.notRun})`, () => {});
          continue;
        }
        it(example, async () => {
          const run: ExampleRun = plan;
          const dir = exampleDir(recipe.name);
          const fixtures = fixturesIn(dir, sb.uid, sb.gid, (image, entrypoint, args) => runTool(dir, image, entrypoint, args));
          await run.prepare?.(fixtures);
          const go = () => shell(example, dir, recipe.build ? '' : standinOf(recipe), run.input);
          const result = run.server ? await withServer(go) : await go();
          await run.check(result, dir, fixtures);
        });
      }
    });
  }
});

describe('built-in build recipes run programs of the Debian packages they install', () => {
  const builtRecipes = recipes.filter((r) => r.build);

  it('are some', () => {
    expect(builtRecipes.map((r) => r.name)).toEqual(expect.arrayContaining(['exiftool', 'gif', 'gifsicle', 'optipng', 'pngquant']));
  });

  /**
   * In the built image: the package that owns each program the recipe runs (its entrypoint, or
   * what its script execs) must be one of its `apt:` packages, not the base's; and each of its
   * packages must give a program the recipe names (no package installed for nothing).
   */
  it.each(builtRecipes.map((r) => [r.name, r] as const))('%s', async (_, recipe) => {
    const tag = await built(recipe);
    const packages = recipe.build!.apt ?? [];
    expect(packages.length, 'a built-in build recipe installs Debian packages').toBeGreaterThan(0);
    const runs = programsRun(recipe);
    expect(runs.length, 'it runs a program').toBeGreaterThan(0);
    const inImage = (script: string, args: string[]) =>
      docker(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', tag, '-c', script, 'sh', ...args], { timeoutMs: 60_000 });
    // `dpkg -S` answers `package[:arch]: path`; a program on no package's list, or not on PATH, answers `-`.
    const owners = (await inImage('for p; do dpkg -S "$(readlink -f "$(command -v "$p" || echo /nowhere)")" 2>/dev/null || echo "-: $p"; done', runs)).split('\n');
    expect(owners).toHaveLength(runs.length);
    for (const [i, line] of owners.entries()) {
      const owner = line.slice(0, line.indexOf(':'));
      expect(packages, `${recipe.name} runs ${runs[i]}, which comes from ${line}`).toContain(owner);
    }
    const named = (program: string) => program === recipe.entrypoint?.[0] || new RegExp(`(?<![\\w-])${program.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`).test(recipe.script ?? '');
    for (const pkg of packages) {
      const programs = (await inImage('dpkg -L "$1" | grep -E "^(/usr)?/s?bin/" | sed "s,.*/,,"', [pkg])).split('\n');
      expect(programs.some(named), `${recipe.name} installs ${pkg} (${programs.join(', ')}) but runs none of its programs`).toBe(true);
    }
  });
});

describe('built-in recipes beyond their examples', () => {
  /** A 2-second test video for the gif tests, in a directory of its own. */
  let sample: Promise<string> | undefined;
  const makeSample = () =>
    (sample ??= (async () => {
      const dir = exampleDir('gif-sample');
      await fixturesIn(dir, sb.uid, sb.gid, (image, entrypoint, args) => runTool(dir, image, entrypoint, args)).ffmpeg(
        '-f', 'lavfi', '-i', 'testsrc=duration=2:size=320x240:rate=15', '-pix_fmt', 'yuv420p', 'sample.mp4',
      );
      return dir;
    })());
  const gif = (dir: string, args: string[], env?: Record<string, string>) => berth(sb, ['run', 'gif', ...args], { cwd: dir, env, timeoutMs: 120_000 });

  it('gif writes an animated GIF owned by the user, its flags winning over GIF_FPS and GIF_WIDTH', async () => {
    const [dir] = await Promise.all([makeSample(), built(byName('gif'))]);
    const env = { GIF_FPS: '4', GIF_WIDTH: '96' };
    const viaEnv = await gif(dir, ['sample.mp4', 'env.gif'], env);
    expect([viaEnv.code, viaEnv.stderr]).toEqual([0, '']);
    expect(gifFacts(path.join(dir, 'env.gif'))).toEqual({ magic: 'GIF89a', width: 96, frames: 8 });
    expect(statSync(path.join(dir, 'env.gif')).uid).toBe(OTHER_UID);
    const widthWins = await gif(dir, ['--width=120', 'sample.mp4', 'width.gif'], env);
    expect([widthWins.code, widthWins.stderr]).toEqual([0, '']);
    expect(gifFacts(path.join(dir, 'width.gif'))).toMatchObject({ width: 120, frames: 8 });
    const fpsWins = await gif(dir, ['--fps', '5', 'sample.mp4', 'fps.gif'], env);
    expect([fpsWins.code, fpsWins.stderr]).toEqual([0, '']);
    expect(gifFacts(path.join(dir, 'fps.gif'))).toMatchObject({ width: 96, frames: 10 });
  });

  it('gif --optimize: a valid GIF with the same frames, smaller than without it (ffmpeg palette + gifsicle -O3 --lossy)', async () => {
    const [dir] = await Promise.all([makeSample(), built(byName('gif')), built(byName('gifsicle'))]);
    const plain = await gif(dir, ['--fps', '8', '--width', '160', 'sample.mp4', 'plain.gif']);
    expect([plain.code, plain.stderr]).toEqual([0, '']);
    const optimized = await gif(dir, ['--optimize', '--fps', '8', '--width', '160', 'sample.mp4', 'small.gif']);
    expect([optimized.code, optimized.stderr]).toEqual([0, '']);
    const small = path.join(dir, 'small.gif');
    expect(gifFacts(small)).toEqual({ magic: 'GIF89a', width: 160, frames: 16 });
    expect(gifFacts(path.join(dir, 'plain.gif'))).toEqual({ magic: 'GIF89a', width: 160, frames: 16 });
    expect(statSync(small).size).toBeLessThan(statSync(path.join(dir, 'plain.gif')).size);
    expect(statSync(small).uid).toBe(OTHER_UID);
    // gifsicle (a built-in build recipe too) reads it back whole.
    const info = await berth(sb, ['run', '-q', 'gifsicle', '--info', 'small.gif'], { cwd: dir, timeoutMs: 120_000 });
    expect([info.code, info.stderr]).toEqual([0, '']);
    expect(info.stdout.toString()).toMatch(/^\* small\.gif 16 images\n/);
    expect(info.stdout.toString()).toContain('logical screen 160x120');
  });

  it('gif explains its usage when given the wrong arguments', async () => {
    await built(byName('gif'));
    const r = await berth(sb, ['run', 'gif', 'only-one-arg.mp4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: gif');
  });

  it("jq's exit code for bad input is the program's own", async () => {
    const jq = byName('jq');
    const invalid = await berth(sb, ['run', '--image', standinOf(jq), 'jq', '.'], { input: '{not json' });
    const direct = spawnSync('docker', ['run', '--rm', '-i', standinOf(jq), '.'], { input: '{not json' });
    expect(direct.status).toBeGreaterThan(0);
    expect(invalid.code).toBe(direct.status);
    expect(invalid.stdout.toString()).toBe('');
    expect(invalid.stderr).toMatch(/parse error/);
  });

  it('yt-dlp (whose examples need the internet) runs from its recipe', async () => {
    const r = await berth(sb, ['run', '--image', standinOf(byName('yt-dlp')), 'yt-dlp', '--version']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/^\d{4}\.\d{2}\.\d{2}\n$/);
  });
});
