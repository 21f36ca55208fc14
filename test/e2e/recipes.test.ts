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
import { asUser, BERTH, berth, makeSandbox, OTHER_UID, type Sandbox } from '../support/berth.js';
import { fixturesIn, gifFacts, isNotRun, RECIPE_EXAMPLES, type ExamplePlan, type ExampleResult, type ExampleRun } from './recipe-examples.js';

/**
 * The BUILT-IN recipes against the real programs. The upstream images cannot be pulled here, so
 * `--image` swaps in the stand-in of the recipe's image: Debian's package of the tool, laid out as
 * the evidence (recipes/sources.md, "Image layouts") says the upstream image is, never as the
 * recipe says (test/harness/standins-setup.ts). Everything else (entrypoint, script, user,
 * network, env) is the recipe's own, so a recipe that names a program its image does not have
 * fails here.
 */

const recipes: Recipe[] = readdirSync(BUILTIN_RECIPES)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => readRecipe(path.join(BUILTIN_RECIPES, f), 'builtin'));

/** registry/repository of a recipe's image, the key of its stand-in. */
function imageOf(recipe: Recipe): string {
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
  // `berth` as the examples call it, with the stand-in of the recipe's image in place of the upstream one.
  wrapperDir = path.join(sb.root, 'bin');
  mkdirSync(wrapperDir);
  writeFileSync(
    path.join(wrapperDir, 'berth'),
    '#!/bin/sh\nif [ "$1" = run ]; then shift; exec "$BERTH_TEST_NODE" "$BERTH_TEST_CLI" run --image "$BERTH_TEST_STANDIN" "$@"; fi\nexec "$BERTH_TEST_NODE" "$BERTH_TEST_CLI" "$@"\n',
    { mode: 0o755 },
  );
});

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

describe('every example of every built-in recipe, as written, on the stand-in of its image', () => {
  for (const recipe of recipes) {
    const plans = RECIPE_EXAMPLES[recipe.name];
    // The unit test of the catalog fails when a recipe or an example is missing from the table.
    if (!plans) continue;
    if (isNotRun(plans)) {
      it.skip(`${recipe.name}: none run (${plans.notRun})`, () => {});
      continue;
    }
    describe(recipe.name, () => {
      for (const example of recipe.examples) {
        const plan = (plans as Record<string, ExamplePlan>)[example]!;
        if ('notRun' in plan) {
          it.skip(`${example}  (not run: ${plan.notRun})`, () => {});
          continue;
        }
        it(example, async () => {
          const run: ExampleRun = plan;
          const dir = exampleDir(recipe.name);
          await run.prepare?.(fixturesIn(dir, sb.uid, sb.gid, (image, entrypoint, args) => runTool(dir, image, entrypoint, args)));
          const go = () => shell(example, dir, standinOf(recipe), run.input);
          const result = run.server ? await withServer(go) : await go();
          run.check(result, dir);
        });
      }
    });
  }
});

describe('built-in recipes beyond their examples', () => {
  /** A 2-second test video for the gif tests. */
  let sample: Promise<string> | undefined;
  const makeSample = () =>
    (sample ??= (async () => {
      const dir = exampleDir('gif-sample');
      await runTool(dir, imageOf(byName('gif')), '/usr/local/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=320x240:rate=15', '-pix_fmt', 'yuv420p', 'sample.mp4']);
      return dir;
    })());

  it('gif writes an animated GIF owned by the user, its flags winning over GIF_FPS and GIF_WIDTH', async () => {
    const dir = await makeSample();
    const gif = byName('gif');
    const env = { GIF_FPS: '4', GIF_WIDTH: '96' };
    const run = (args: string[]) => berth(sb, ['run', '--image', standinOf(gif), 'gif', ...args], { cwd: dir, env, timeoutMs: 120_000 });
    const viaEnv = await run(['sample.mp4', 'env.gif']);
    expect([viaEnv.code, viaEnv.stderr]).toEqual([0, '']);
    expect(gifFacts(path.join(dir, 'env.gif'))).toEqual({ magic: 'GIF89a', width: 96, frames: 8 });
    expect(statSync(path.join(dir, 'env.gif')).uid).toBe(OTHER_UID);
    const widthWins = await run(['--width=120', 'sample.mp4', 'width.gif']);
    expect([widthWins.code, widthWins.stderr]).toEqual([0, '']);
    expect(gifFacts(path.join(dir, 'width.gif'))).toMatchObject({ width: 120, frames: 8 });
    const fpsWins = await run(['--fps', '5', 'sample.mp4', 'fps.gif']);
    expect([fpsWins.code, fpsWins.stderr]).toEqual([0, '']);
    expect(gifFacts(path.join(dir, 'fps.gif'))).toMatchObject({ width: 96, frames: 10 });
  });

  it('gif explains its usage when given the wrong arguments', async () => {
    const r = await berth(sb, ['run', '--image', standinOf(byName('gif')), 'gif', 'only-one-arg.mp4']);
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
