import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildImage } from '../harness/images.js';
import { berth, makeSandbox, ON_PODMAN, ON_ROOTLESS, OTHER_UID, writeRecipe, type Sandbox } from '../support/berth.js';

/**
 * Warm containers (issue 6): kept running after a call, exec'd into by later ones. The semantics
 * of a warm call are those of `berth run` and are checked by test/integration/run.test.ts in its
 * warm mode; this file checks what is particular to warm containers. Tool names carry this
 * process's pid, so runs sharing an engine never meet, and every warm container made here is
 * stopped at the end.
 */

const SUFFIX = String(process.pid);

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** The name of the one warm container of `tool`. */
function warmContainerName(tool: string): string {
  return docker('ps', '-a', '--format', '{{.Names}}', '--filter', 'label=berth.warm=true', '--filter', `label=berth.tool=${tool}`);
}

/** Ids of the warm containers of `tool`, running or not. */
function warmContainers(tool: string): string[] {
  return docker('ps', '-aq', '--no-trunc', '--filter', 'label=berth.warm=true', '--filter', `label=berth.tool=${tool}`).split('\n').filter(Boolean);
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(250);
  }
}

describe('warm containers', () => {
  let sb: Sandbox;
  let other: Sandbox;
  const tools = new Set<string>();
  const images: string[] = [];
  /** A recipe of its own for a test, so that its warm containers are its own. */
  const recipe = (s: Sandbox, name: string, fields: Record<string, unknown> = {}) => {
    const tool = `${name}-${SUFFIX}`;
    tools.add(tool);
    writeRecipe(s, { name: tool, image: inject('fixtureImage'), ...fields });
    return tool;
  };
  const run = (args: string[], options?: Parameters<typeof berth>[2]) => berth(sb, ['run', '--warm', ...args], options);

  beforeAll(() => {
    sb = makeSandbox();
    other = makeSandbox({ uid: OTHER_UID });
  });

  afterAll(async () => {
    // (Root's: some tools ran as OTHER_UID.)
    for (const tool of tools) await berth(sb, ['warm', 'stop', '--all-users', tool]);
    // On rootless Podman both sandboxes are the one user, each with a cache (and warm containers) of its own.
    if (ON_ROOTLESS) for (const tool of tools) await berth(other, ['warm', 'stop', tool]);
    for (const tool of tools) expect(warmContainers(tool)).toEqual([]);
    for (const image of images) docker('rmi', '-f', image);
  });

  it('keeps one container after the first call and execs later calls into it', async () => {
    const tool = recipe(sb, 'reuse');
    const first = await run([tool, 'sh', '-c', 'echo first; exit 3']);
    expect(first.stdout.toString()).toBe('first\n');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(3);
    const ids = warmContainers(tool);
    expect(ids).toHaveLength(1);
    const second = await run([tool, 'sh', '-c', 'echo second'], { input: 'x' });
    expect(second.stdout.toString()).toBe('second\n');
    expect(second.code).toBe(0);
    expect(warmContainers(tool)).toEqual(ids);

    const labels = JSON.parse(docker('inspect', '--format', '{{json .Config.Labels}}', ids[0]!)) as Record<string, string>;
    expect(labels).toMatchObject({ 'berth.managed': 'true', 'berth.warm': 'true', 'berth.tool': tool, 'berth.version': '1', 'berth.idle-minutes': '10' });
    expect(labels['berth.key']).toMatch(/^[0-9a-f]{64}$/);
    // Its main process is berth's warm server under the engine's init, not the image's (Podman
    // names its init as the command).
    expect(docker('inspect', '--format', '{{json .Path}} {{json .Args}} {{.HostConfig.Init}} {{.HostConfig.AutoRemove}}', ids[0]!)).toBe(
      ON_PODMAN ? '"/run/podman-init" ["--","/dev/.berth-server","600","/dev/.berth-warm/s"] true true' : '"/dev/.berth-server" ["600","/dev/.berth-warm/s"] true true',
    );
  });

  it('reports a command that cannot start as a fresh run does, and passes output that only looks like that', async () => {
    const tool = recipe(sb, 'nostart');
    const missing = await run([tool, '/no/such/binary']);
    expect(missing.code).toBe(127);
    expect(missing.stdout.toString()).toBe('');
    expect(missing.stderr).toMatch(/^berth: .*\/no\/such\/binary not found in image .*\n$/);
    // (The host's /usr would be mounted: a container of another key.)
    const dir = await run(['--no-path-mounts', tool, '/usr']);
    expect(dir.code).toBe(126);
    const lookalike = await run([tool, 'sh', '-c', 'echo "OCI runtime exec failed: permission denied (only text)"; echo second; exit 5']);
    expect(lookalike.stdout.toString()).toBe('OCI runtime exec failed: permission denied (only text)\nsecond\n');
    expect(lookalike.code).toBe(5);
    expect(warmContainers(tool)).toHaveLength(1);
  });

  it('--no-warm runs fresh; a recipe with warm: true runs warm without the flag', async () => {
    const tool = recipe(sb, 'byrecipe', { warm: true });
    const fresh = await berth(sb, ['run', '--no-warm', tool, 'echo', 'fresh']);
    expect(fresh.stdout.toString()).toBe('fresh\n');
    expect(warmContainers(tool)).toEqual([]);
    const warm = await berth(sb, ['run', tool, 'echo', 'warm']);
    expect(warm.stdout.toString()).toBe('warm\n');
    expect(warmContainers(tool)).toHaveLength(1);
  });

  it('the warm setting runs every tool warm, warmIdleMinutes sets the idle time', async () => {
    const s = makeSandbox();
    expect((await berth(s, ['config', 'set', 'warm', 'true'])).code).toBe(0);
    expect((await berth(s, ['config', 'set', 'warmIdleMinutes', '0.5'])).code).toBe(0);
    const tool = recipe(s, 'setting');
    const r = await berth(s, ['run', tool, 'echo', 'by setting']);
    expect(r.stdout.toString()).toBe('by setting\n');
    const ids = warmContainers(tool);
    expect(ids).toHaveLength(1);
    expect(docker('inspect', '--format', '{{index .Config.Labels "berth.idle-minutes"}} {{json .Args}}', ids[0]!)).toBe(
      ON_PODMAN ? '0.5 ["--","/dev/.berth-server","30","/dev/.berth-warm/s"]' : '0.5 ["30","/dev/.berth-warm/s"]',
    );
    const fresh = await berth(s, ['run', '--no-warm', tool, 'echo', 'fresh']);
    expect(fresh.stdout.toString()).toBe('fresh\n');
    expect(warmContainers(tool)).toEqual(ids);
  });

  it('the warm setting wins over the recipe: false runs a warm: true recipe fresh; --warm over both', async () => {
    const s = makeSandbox();
    expect((await berth(s, ['config', 'set', 'warm', 'false'])).code).toBe(0);
    const tool = recipe(s, 'setting-off', { warm: true });
    const fresh = await berth(s, ['run', tool, 'echo', 'fresh']);
    expect([fresh.code, fresh.stdout.toString()]).toEqual([0, 'fresh\n']);
    expect(warmContainers(tool)).toEqual([]);
    const flagged = await berth(s, ['run', '--warm', tool, 'echo', 'warm']);
    expect([flagged.code, flagged.stdout.toString()]).toEqual([0, 'warm\n']);
    expect(warmContainers(tool)).toHaveLength(1);
  });

  it('berth warm ls lists them and berth warm stop removes them', async () => {
    const a = recipe(sb, 'ls-a');
    const b = recipe(sb, 'ls-b');
    await run([a, 'true']);
    await run([b, 'true']);
    const [idA] = warmContainers(a);
    const [idB] = warmContainers(b);

    const table = await berth(sb, ['warm', 'ls']);
    expect(table.code).toBe(0);
    const lines = table.stdout.toString().split('\n');
    expect(lines[0]).toMatch(/^TOOL\s+IMAGE\s+KEY\s+IDLE LEFT\s+ID$/);
    const rowA = lines.find((l) => l.startsWith(`${a} `));
    expect(rowA).toMatch(new RegExp(`^${a}\\s+${inject('fixtureImage')}\\s+[0-9a-f]{12}\\s+\\d+m\\d\\ds\\s+${idA!.slice(0, 12)}$`));

    const json = JSON.parse((await berth(sb, ['warm', 'ls', '--json'])).stdout.toString()) as Array<Record<string, unknown>>;
    const entry = json.find((c) => c.tool === a)!;
    expect(entry).toMatchObject({ tool: a, image: inject('fixtureImage'), id: idA, idleMinutes: 10 });
    expect(entry.idleLeftSeconds).toBeGreaterThan(0);
    expect(entry.idleLeftSeconds).toBeLessThanOrEqual(600);

    const stopA = await berth(sb, ['warm', 'stop', a]);
    expect(stopA.stdout.toString()).toBe(`stopped ${idA!.slice(0, 12)} (${a})\n`);
    await until(`${a}'s warm container is gone`, () => warmContainers(a).length === 0);
    expect(warmContainers(b)).toEqual([idB]);
    const none = await berth(sb, ['warm', 'stop', a]);
    expect(none.stdout.toString()).toBe(`no warm containers of ${a}\n`);

    // A call after a stop starts a new one.
    const again = await run([a, 'echo', 'again']);
    expect(again.stdout.toString()).toBe('again\n');
    expect(warmContainers(a)).toHaveLength(1);

    // Without a tool: all of them.
    const all = await berth(sb, ['warm', 'stop']);
    expect(all.code).toBe(0);
    expect(all.stdout.toString()).toMatch(new RegExp(`\\(${a}\\)\n`));
    expect(all.stdout.toString()).toMatch(new RegExp(`stopped ${idB!.slice(0, 12)} \\(${b}\\)\n`));
    await until('every warm container is gone', () => warmContainers(a).length + warmContainers(b).length === 0);
  });

  it("berth gc removes the warm files nothing uses any more, and keeps a live container's", async () => {
    const s = makeSandbox();
    const tool = recipe(s, 'prune');
    expect((await berth(s, ['run', '--warm', tool, 'true'])).code).toBe(0);
    const warm = path.join(s.cache, 'berth', 'warm');
    const [live] = readdirSync(path.join(warm, 'sockets'));
    // What gone containers and earlier berths left: an hour old.
    const old = new Date(Date.now() - 3600_000);
    const stale = ['sockets/0123456789abcdef0123', 'pids', 'execs'];
    for (const dir of stale) mkdirSync(path.join(warm, dir), { recursive: true });
    for (const file of ['pause-v1-amd64', 'server-000000000000-amd64', 'used/berth-warm-gone-0123456789abcdef0123']) writeFileSync(path.join(warm, file), '');
    for (const dir of stale) utimesSync(path.join(warm, dir), old, old);
    // And one just made: its container may be being created.
    mkdirSync(path.join(warm, 'sockets', 'fedcba9876543210fedc'));
    const gc = await berth(s, ['gc']);
    expect(gc.code).toBe(0);
    expect(readdirSync(path.join(warm, 'sockets')).sort()).toEqual([live!, 'fedcba9876543210fedc'].sort());
    const left = readdirSync(warm);
    for (const gone of ['pause-v1-amd64', 'server-000000000000-amd64', 'pids', 'execs']) expect(left).not.toContain(gone);
    expect(left.filter((f) => f.startsWith('server-'))).toHaveLength(1);
    expect(readdirSync(path.join(warm, 'used'))).toEqual([warmContainerName(tool)]);
    // The live container still serves.
    expect((await berth(s, ['run', '--warm', tool, 'echo', 'still'])).stdout.toString()).toBe('still\n');
  });

  it('keeps the containers of two caches of one user apart (each holds its socket directory)', async () => {
    const tool = recipe(sb, 'caches');
    const elsewhere = { env: { XDG_CACHE_HOME: path.join(sb.root, 'other-cache') } };
    const host = async (options?: Parameters<typeof run>[1]) => (await run([tool, 'hostname'], options)).stdout.toString();
    const [here, there] = [await host(), await host(elsewhere)];
    expect(here).not.toBe(there);
    expect(warmContainers(tool)).toHaveLength(2);
    expect([await host(), await host(elsewhere)]).toEqual([here, there]);
  });

  // Rootless Podman on cgroup v1 (this CI machine) cannot pause a container.
  it.skipIf(ON_ROOTLESS)('runs fresh while its warm container is paused, and in it again once it is not', async () => {
    const tool = recipe(sb, 'paused');
    const hostname = `${(await run([tool, 'hostname'])).stdout.toString().trim()}\n`;
    const [id] = warmContainers(tool);
    docker('pause', id!);
    try {
      const r = await run([tool, 'sh', '-c', 'hostname; echo ran >> paused-runs.txt']);
      expect(r.code).toBe(0);
      expect(r.stdout.toString()).not.toBe(hostname);
    } finally {
      docker('unpause', id!);
    }
    expect((await run([tool, 'hostname'])).stdout.toString()).toBe(hostname);
    // The call given up on in the paused container never ran there.
    expect(readFileSync(path.join(sb.work, 'paused-runs.txt'), 'utf8')).toBe('ran\n');
  });

  it('stops by itself after its idle time, and is removed', async () => {
    const tool = recipe(sb, 'idle');
    const r = await run([tool, 'echo', 'idle'], { env: { BERTH_WARM_IDLE: '3' } });
    expect(r.stdout.toString()).toBe('idle\n');
    const [id] = warmContainers(tool);
    expect(docker('inspect', '--format', '{{index .Config.Labels "berth.idle-minutes"}}', id!)).toBe('0.05');
    // Each call resets the idle time.
    for (let i = 0; i < 3; i++) {
      await sleep(1500);
      expect((await run([tool, 'true'], { env: { BERTH_WARM_IDLE: '3' } })).code).toBe(0);
      expect(warmContainers(tool)).toEqual([id]);
    }
    await until('the idle container removed itself', () => warmContainers(tool).length === 0, 30_000);
  });

  it('keeps a long call alive past the idle time', async () => {
    const tool = recipe(sb, 'long');
    // The call says where it runs (a warm container's hostname is its id), and the test looks
    // up, while it runs, that this is the tool's warm container: a call that fell back to a
    // fresh container would pass the rest.
    let out = '';
    const result = run([tool, 'sh', '-c', 'hostname; sleep 5; echo done'], {
      env: { BERTH_WARM_IDLE: '2' },
      onSpawn: (c) => c.stdout!.on('data', (d: Buffer) => (out += d.toString())),
      stdout: new Writable({ write: (_d, _e, cb) => cb() }),
    });
    await until('the call printed its hostname', () => out.includes('\n'), 30_000);
    const during = warmContainers(tool);
    // Its idle time is the call's 2 s, which the call outlives.
    const idle = during.map((id) => docker('inspect', '--format', '{{index .Config.Labels "berth.idle-minutes"}}', id));
    const r = await result;
    expect(r.code).toBe(0);
    expect(out).toMatch(/^[0-9a-f]{12}\ndone\n$/);
    expect(during.map((id) => id.slice(0, 12))).toEqual([out.slice(0, 12)]);
    expect(idle).toEqual(['0.033']);
  });

  it('never runs a changed image in the old container: a retagged reference or --image gets a new one', async () => {
    const ref = `berth-test/warm-swap-${SUFFIX}:1`;
    images.push(ref);
    await buildImage(ref, { marker: 'one\n' }, `FROM ${inject('fixtureImage')}\nCOPY marker /marker\n`);
    const tool = recipe(sb, 'swap', { image: ref });
    expect((await run([tool, 'cat', '/marker'])).stdout.toString()).toBe('one\n');
    const [old] = warmContainers(tool);

    await buildImage(ref, { marker: 'two\n' }, `FROM ${inject('fixtureImage')}\nCOPY marker /marker\n`);
    const after = await run([tool, 'cat', '/marker']);
    expect(after.stdout.toString()).toBe('two\n');
    const now = warmContainers(tool);
    expect(now).toHaveLength(2);
    expect(now).toContain(old);
    const keys = now.map((id) => docker('inspect', '--format', '{{index .Config.Labels "berth.key"}}', id));
    expect(new Set(keys).size).toBe(2);
    // The old container still holds the old image: nothing more runs in it.
    const fresh = now.find((id) => id !== old)!;
    expect(docker('inspect', '--format', '{{.Image}}', fresh)).toBe(docker('image', 'inspect', '--format', '{{.Id}}', ref));
    expect(docker('inspect', '--format', '{{.Image}}', old!)).not.toBe(docker('image', 'inspect', '--format', '{{.Id}}', ref));

    const viaFlag = await run(['--image', inject('fixtureImage'), tool, 'sh', '-c', 'test -e /marker || echo no marker']);
    expect(viaFlag.stdout.toString()).toBe('no marker\n');
    expect(warmContainers(tool)).toHaveLength(3);
  });

  it('works with an image that has no shell', async () => {
    const tool = recipe(sb, 'noshell', { image: inject('noshellImage') });
    writeFileSync(path.join(sb.work, 'ns.txt'), 'no shell here\n');
    const piped = await run([tool], { input: 'through stdin\n' });
    expect(piped.stdout.toString()).toBe('through stdin\n');
    expect(piped.stderr).toBe('');
    const [id] = warmContainers(tool);
    expect(id).toBeDefined();
    const file = await run([tool, 'ns.txt']);
    expect(file.stdout.toString()).toBe('no shell here\n');
    const missing = await run([tool, 'nope.txt']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.txt');
    expect(warmContainers(tool)).toEqual([id]);
  });

  it('makes one container when two first calls race', async () => {
    const tool = recipe(sb, 'race');
    const results = await Promise.all([1, 2, 3, 4].map((i) => run([tool, 'echo', `call ${i}`])));
    expect(results.map((r) => r.stdout.toString())).toEqual(['call 1\n', 'call 2\n', 'call 3\n', 'call 4\n']);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(warmContainers(tool)).toHaveLength(1);
  });

  it('uses a container with the right mounts when a call names a path outside the directory', async () => {
    const tool = recipe(sb, 'mounts');
    await run([tool, 'true']);
    const [inCwd] = warmContainers(tool);
    const outside = path.join(sb.root, 'outside-warm');
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, 'f.txt'), 'outside\n');
    const r = await run([tool, 'cat', path.join(outside, 'f.txt')]);
    expect(r.stdout.toString()).toBe('outside\n');
    const ids = warmContainers(tool);
    expect(ids).toHaveLength(2);
    expect(ids).toContain(inCwd);
    // The directory's container did not get the outside path.
    const mounted = docker('inspect', '--format', '{{range .Mounts}}{{.Destination}} {{end}}', inCwd!);
    expect(mounted).not.toContain(outside);
  });

  it('serves a directory replaced since (same path, new inode) from a new container', async () => {
    const tool = recipe(sb, 'inode');
    const dir = path.join(sb.root, 'replaced');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'v.txt'), 'old\n');
    expect((await run([tool, 'cat', 'v.txt'], { cwd: dir })).stdout.toString()).toBe('old\n');
    rmSync(dir, { recursive: true });
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'v.txt'), 'new\n');
    expect((await run([tool, 'cat', 'v.txt'], { cwd: dir })).stdout.toString()).toBe('new\n');
    expect(warmContainers(tool)).toHaveLength(2);
  });

  it("runs the image's user warm when berth is another uid, signals included", async () => {
    // berth runs as OTHER_UID, the tool as the image's user (root): the server signals it.
    const tool = recipe(other, 'otheruser', { user: 'image' });
    const first = await berth(other, ['run', '--warm', tool, 'sh', '-c', 'id -u; hostname']);
    expect(first.stderr).toBe('');
    const [id] = warmContainers(tool);
    // Served by the warm container (its hostname is its id's first 12 digits), not a fresh one.
    expect(first.stdout.toString()).toBe(`0\n${id!.slice(0, 12)}\n`);
    let child: ReturnType<typeof spawn> | undefined;
    let out = '';
    const result = berth(other, ['run', '--warm', tool, 'sh', '-c', 'hostname; exec trap-signals'], {
      onSpawn: (c) => {
        child = c;
        c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      },
      stdout: new Writable({ write: (_d, _e, cb) => cb() }),
    });
    await until('the tool is ready', () => out.includes('ready'), 30_000);
    child!.kill('SIGTERM');
    const r = await result;
    expect(out).toContain('got TERM');
    expect(out.split('\n')[0]).toBe(id!.slice(0, 12));
    expect(r.code).toBe(0);
    expect(warmContainers(tool)).toEqual([id]);
  });

  it("runs warm as an image's user that is neither root nor berth's: its socket directory lets it in, and no one else", async () => {
    const ref = `berth-test/warm-nonroot-${SUFFIX}:1`;
    images.push(ref);
    await buildImage(ref, {}, `FROM ${inject('fixtureImage')}\nUSER 1000:1000\n`);
    const tool = recipe(other, 'nonroot', { image: ref, user: 'image' });
    const r = await berth(other, ['run', '--warm', tool, 'sh', '-c', 'id -u; hostname']);
    expect(r.stderr).toBe('');
    const [id] = warmContainers(tool);
    expect(r.stdout.toString()).toBe(`1000\n${id!.slice(0, 12)}\n`);
    const dir = docker('inspect', '--format', '{{range .Mounts}}{{if eq .Destination "/dev/.berth-warm"}}{{.Source}}{{end}}{{end}}', id!);
    // Others may make and remove names in it, not list it; and reach it only through sockets/.
    expect(path.dirname(dir)).toBe(path.join(other.cache, 'berth', 'warm', 'sockets'));
    expect([statSync(path.dirname(dir)).mode & 0o7777, statSync(dir).mode & 0o7777]).toEqual([0o700, 0o733]);
  });

  it('runs fresh, saying why once, when its socket path would be too long', async () => {
    const tool = recipe(sb, 'longpath');
    const env = { XDG_CACHE_HOME: path.join(sb.root, 'c'.repeat(90)) };
    const first = await run([tool, 'echo', 'fresh'], { env });
    expect(first.stdout.toString()).toBe('fresh\n');
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(new RegExp(`^berth: ${tool}: not kept warm: its socket path would be longer than 107 bytes .*; it runs in a fresh container\\n$`));
    const second = await run([tool, 'echo', 'again'], { env });
    expect(second.stdout.toString()).toBe('again\n');
    expect(second.stderr).toBe('');
    expect(warmContainers(tool)).toEqual([]);
    // warm ls says why, and that the next call tries again (not a day later).
    const ls = await berth(sb, ['warm', 'ls'], { env });
    expect(ls.stderr).toMatch(new RegExp(`^berth: ${tool} is not kept warm: its socket path would be longer than 107 bytes .* \\(\\S+; tried again at its next call\\)$`, 'm'));
  });

  it('tries warm again at the next call after a failure that is not lasting (not a day later)', async () => {
    const tool = recipe(sb, 'retry');
    // As an earlier call leaves it when its warm container failed to start in one place.
    const memo = path.join(sb.cache, 'berth', 'warm', 'unavailable', `${tool}.json`);
    mkdirSync(path.dirname(memo), { recursive: true });
    chownSync(path.dirname(memo), sb.uid, sb.gid);
    writeFileSync(memo, JSON.stringify({ reason: 'the warm container did not start: a test', at: Date.now() }));
    const r = await run([tool, 'echo', 'warm']);
    expect([r.code, r.stderr, r.stdout.toString()]).toEqual([0, '', 'warm\n']);
    expect(warmContainers(tool)).toHaveLength(1);
    expect(existsSync(memo)).toBe(false);
  });

  it("runs warm and ends when a memo sits in a directory of root's in the user's cache (one `sudo berth` left it)", async () => {
    const tool = recipe(other, 'rootmemo');
    const memo = path.join(other.cache, 'berth', 'warm', 'unavailable', `${tool}.json`);
    mkdirSync(path.dirname(memo), { recursive: true });
    chownSync(path.dirname(memo), 0, 0);
    writeFileSync(memo, JSON.stringify({ reason: 'the warm container did not start: a test', at: 0 }));
    try {
      const r = await berth(other, ['run', '--warm', tool, 'echo', 'warm'], { timeoutMs: 30_000 });
      expect([r.code, r.stderr, r.stdout.toString()]).toEqual([0, '', 'warm\n']);
      expect(warmContainers(tool)).toHaveLength(1);
    } finally {
      rmSync(path.dirname(memo), { recursive: true, force: true });
    }
  });

  it('kills the tool of a SIGKILLed berth at once (its connection closed); gc has nothing to do', async () => {
    const tool = recipe(sb, 'orphan');
    let child: ReturnType<typeof spawn> | undefined;
    let out = '';
    const result = run([tool, 'no-trap'], {
      onSpawn: (c) => {
        child = c;
        c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      },
      stdout: new Writable({ write: (_d, _e, cb) => cb() }),
    });
    await until('the tool is ready', () => out.includes('ready'), 30_000);
    const [id] = warmContainers(tool);
    const processes = () => docker('top', id!, '-o', 'pid,args');
    expect(processes()).toContain('sleep 600');
    child!.kill('SIGKILL');
    await result;
    await until('the tool is gone', () => !processes().includes('sleep 600'), 10_000);
    const gc = await berth(sb, ['gc']);
    expect(gc.stdout.toString()).not.toContain(tool);
    expect(warmContainers(tool)).toEqual([id]);
  });

  it('writes its warm server for x86_64 and aarch64 into the cache', async () => {
    const { goArch, serverProgram } = await import('../../src/warm/server.js');
    const { SOURCE_SHA256 } = await import('../../src/warm/server-build.js');
    for (const [arch, machine] of [['amd64', 62], ['x86_64', 62], ['arm64', 183], ['aarch64', 183]] as const) {
      const elf = (await serverProgram(arch))!;
      expect(elf.readUInt32BE(0)).toBe(0x7f454c46);
      expect(elf.readUInt16LE(18)).toBe(machine);
    }
    expect(await serverProgram('s390x')).toBeUndefined();
    const dir = path.join(sb.cache, 'berth', 'warm');
    const arch = goArch(docker('version', '--format', '{{.Server.Arch}}'));
    const cached = readdirSync(dir).filter((f) => f === `server-${SOURCE_SHA256.slice(0, 12)}-${arch}`);
    expect(cached).toHaveLength(1);
    expect(readFileSync(path.join(dir, cached[0]!)).equals((await serverProgram(arch))!)).toBe(true);
    expect(statSync(path.join(dir, cached[0]!)).mode & 0o777).toBe(0o755);
  });
});
