// Build recipes against the real engine: a recipe with a build section is built on first use
// (classic builder, the Debian archive over plain HTTP), FROM the harness's debootstrap'd Debian
// base through BERTH_BASE_IMAGE / --base (no registry on the internet is reachable here, as for
// an air-gapped user); later runs use the built image; a changed build section builds anew; a
// failing build shows its log's tail and exits 125.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureStandinBase } from '../harness/standins-setup.js';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

/** The built-in recipes' base (recipes/sources.md); never pulled here: the tests build on the local base. */
const DEBIAN_FROM = 'debian:bookworm-20250721-slim@sha256:2424c1850714a4d94666ec928e24d86de958646737b1d113f5b2207be44d37d8';
const unique = `${process.pid.toString(36)}${Date.now().toString(36)}`;
/** Names of this run's tools, so its build images are its own (removed after). */
const tool = (what: string) => `bt-${what}-${unique}`;

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** The ids of the build images of `name`, by berth's label. */
function buildImages(name: string): string[] {
  return docker('images', '-q', '--no-trunc', '--filter', `label=berth.build=${name}`).split('\n').filter(Boolean);
}

describe('build recipes', () => {
  let sb: Sandbox;
  let base: string;
  const names: string[] = [];
  const b = (args: string[], env: NodeJS.ProcessEnv = {}) => berth(sb, args, { env: { BERTH_BASE_IMAGE: base, ...env }, timeoutMs: 300_000 });
  const recipe = (what: string, build: Record<string, unknown>, fields: Record<string, unknown> = {}, where = sb) => {
    const name = tool(what);
    names.push(name);
    writeRecipe(where, { name, version: '1.93', build: { from: DEBIAN_FROM, ...build }, entrypoint: ['/bin/sh', '-c'], ...fields });
    return name;
  };

  beforeAll(async () => {
    base = await ensureStandinBase();
    sb = makeSandbox();
  });

  afterAll(() => {
    for (const name of names) for (const id of buildImages(name)) execFileSync('docker', ['rmi', '-f', id], { stdio: 'ignore' });
  });

  it('builds on first use with progress on stderr only, then runs from the built image with no build', async () => {
    const name = recipe('gifsicle', { apt: ['gifsicle'] });
    const first = await b(['run', name, 'gifsicle --version | head -1']);
    expect(first.stderr).toMatch(new RegExp(`building ${name} \\(berth-build/${name}:[a-f0-9]{32}\\)`));
    // Step 2 or, after the host's CA certificates (COPY, ARG), step 4.
    expect(first.stderr).toMatch(/Step \d+\/\d+ : RUN .*apt-get install -y --no-install-recommends gifsicle/);
    expect(first.stdout.toString()).toBe('LCDF Gifsicle 1.93\n');
    expect(first.code).toBe(0);
    const [id] = buildImages(name);
    expect(buildImages(name)).toHaveLength(1);
    const logs = readdirSync(path.join(sb.cache, 'berth', 'builds'));
    expect(logs.some((f) => f.startsWith(name))).toBe(true);

    // The cached image, and no build: with the pull policy "never" a build would be refused.
    const again = await b(['run', '--pull', 'never', name, 'gifsicle --version | head -1']);
    expect(again.stderr).toBe('');
    expect(again.stdout.toString()).toBe('LCDF Gifsicle 1.93\n');
    expect(again.code).toBe(0);
    expect(buildImages(name)).toEqual([id]);
  });

  it('builds a new image when the build section changes, and berth build builds on purpose', async () => {
    const name = recipe('change', { apt: ['gifsicle'] });
    expect((await b(['run', '-q', name, 'test -e /marker || echo no marker'])).stdout.toString()).toBe('no marker\n');
    const before = buildImages(name);
    recipe('change', { apt: ['gifsicle'], run: ['touch /marker'] });
    names.pop();
    const changed = await b(['run', name, 'test -e /marker && echo marker']);
    expect(changed.stderr).toContain(`building ${name}`);
    expect(changed.stdout.toString()).toBe('marker\n');
    expect(buildImages(name)).toHaveLength(before.length + 1);

    const rebuilt = await b(['build', '--no-cache', name]);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout.toString()).toMatch(new RegExp(`^built ${name} 1\\.93: berth-build/${name}:[a-f0-9]{32} \\([a-f0-9]{12}, from ${base}\\)\\n$`));
    expect(rebuilt.stderr).toContain('Step 2/');
  });

  it('a failing build: one line saying so, the tail of its log, exit 125, the log kept', async () => {
    const name = recipe('fails', { run: ['echo about to fail; exit 3'] });
    const failed = await b(['run', name, 'true']);
    expect(failed.code).toBe(125);
    expect(failed.stdout.toString()).toBe('');
    expect(failed.stderr).toMatch(new RegExp(`berth: building ${name} failed: The command .* returned a non-zero code: 3`));
    const logFile = /last lines of (\S+):/.exec(failed.stderr)?.[1];
    expect(logFile).toBeDefined();
    expect(failed.stderr).toContain('  about to fail');
    expect(readFileSync(logFile!, 'utf8')).toContain('about to fail');
    expect(buildImages(name)).toEqual([]);
  });

  it('without a base override, says the engine cannot get the base and how to build on one it has', async () => {
    const name = recipe('nobase', { apt: ['gifsicle'] });
    const failed = await b(['run', name, 'true'], { BERTH_BASE_IMAGE: '' });
    expect(failed.code).toBe(125);
    expect(failed.stderr).toContain(`berth: building ${name} failed:`);
    expect(failed.stderr).toContain('--base REF or BERTH_BASE_IMAGE=REF');
    // --base on the command line does what the variable does.
    const built = await b(['build', '-q', '--base', base, name], { BERTH_BASE_IMAGE: '' });
    expect(built.code).toBe(0);
    expect(built.stderr).toBe('');
  });

  it('refuses to build a recipe that names an image', async () => {
    writeRecipe(sb, { name: 'pulled-tool', image: 'docker.io/example/tool:1' });
    const refused = await b(['build', 'pulled-tool']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^berth: pulled-tool: its recipe names an image to pull \(docker.io\/example\/tool:1\), not a build/);
  });

  it('sync builds a pinned build tool and locks its image id and base; sync --check sees a changed build section; gc removes the old build', async () => {
    // A sandbox of its own: gc there sees only this test's recipes (the others' older builds are theirs).
    const own = makeSandbox();
    const name = recipe('sync', { apt: ['gifsicle'] }, {}, own);
    const project = path.join(own.root, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'berth.yaml'), `tools:\n  ${name}: '1.93'\n`);
    const inProject = (args: string[]) => berth(own, args, { cwd: project, env: { BERTH_BASE_IMAGE: base }, timeoutMs: 300_000 });
    const synced = await inProject(['sync', '-q']);
    expect(synced.code).toBe(0);
    const [id] = buildImages(name);
    const lock = parse(readFileSync(path.join(project, 'berth.lock'), 'utf8')) as { tools: Record<string, Record<string, string>> };
    expect(lock.tools[name]).toEqual({ version: '1.93', image: expect.stringMatching(new RegExp(`^berth-build/${name}:[a-f0-9]{32}$`)), digest: id, base });
    expect(synced.stdout.toString()).toContain(`locked ${name} 1.93 ${lock.tools[name]!.image} (image ${id}, built from ${base})`);
    expect((await inProject(['sync', '--check'])).code).toBe(0);
    expect((await inProject(['sync'])).stdout.toString()).toContain(`kept   ${name} 1.93`);

    recipe('sync', { apt: ['gifsicle'], run: ['true'] }, {}, own);
    names.pop();
    const check = await inProject(['sync', '--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`tools.${name}.image: ${lock.tools[name]!.image} was built from another build section than`);

    // The old build is referenced by berth.lock until sync relocks; then gc removes it, keeps the new.
    expect((await inProject(['sync', '-q'])).code).toBe(0);
    expect(buildImages(name)).toHaveLength(2);
    const gc = await inProject(['gc']);
    expect(gc.code).toBe(0);
    // (The engine is shared: other builds of built-in tools that nothing references go too.)
    expect(gc.stdout.toString()).toMatch(new RegExp(`^removed berth-build/${name}:[a-f0-9]{32} \\(${name}: an image berth built that nothing uses\\)$`, 'm'));
    expect(gc.stdout.toString()).toMatch(/^removed \d+ built images?\n$/m);
    const left = buildImages(name);
    expect(left).toHaveLength(1);
    expect(left[0]).not.toBe(id);
    expect((await inProject(['gc'])).stdout.toString()).toBe('nothing to remove\n');
    // Where berth does not see the tool's recipe, its builds are not gc's to judge.
    const elsewhere = makeSandbox();
    expect((await berth(elsewhere, ['gc'])).stdout.toString()).toBe('nothing to remove\n');
    expect(buildImages(name)).toEqual(left);
  });
});
