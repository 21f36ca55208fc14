import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { berth, makeSandbox, OTHER_UID, writeRecipe, type Sandbox } from '../support/berth.js';

/**
 * berth's files are private to its user, and its containers are per user: `warm ls`, `warm stop`,
 * `gc` and the orphan sweep of a run see only the caller's (root: everyone's with --all-users).
 * Two real users on one real engine: this process (root) and OTHER_UID. Tool names carry this
 * process's pid, and every command that removes containers is given one, so runs of other
 * checkouts on the same engine are never touched.
 */

const SUFFIX = String(process.pid);

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** Ids of berth's containers of `tool`, running or not (`warm`: only warm ones, or only fresh ones). */
function containers(tool: string, warm?: boolean): string[] {
  const lines = docker('ps', '-a', '--no-trunc', '--filter', 'label=berth.managed=true', '--filter', `label=berth.tool=${tool}`, '--format', '{{.ID}} {{.Label "berth.warm"}}');
  return lines
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '))
    .filter(([, w]) => warm === undefined || (w === 'true') === warm)
    .map(([id]) => id!);
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

/** A pid no process has: one that just ended. */
/** Every directory and file under `root` (itself included), as [path relative to root, lstat]. */
function walk(root: string): Array<[string, Stats]> {
  const out: Array<[string, Stats]> = [['.', lstatSync(root)]];
  for (const name of readdirSync(root, { recursive: true }) as string[]) out.push([name, lstatSync(path.join(root, name))]);
  return out;
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

describe('privacy', () => {
  let root: Sandbox;
  let other: Sandbox;
  const tools = new Set<string>();
  /** The same recipe in both sandboxes: each user's berth knows the tool by the same name. */
  const recipe = (name: string, fields: Record<string, unknown> = {}) => {
    const tool = `${name}-${SUFFIX}`;
    tools.add(tool);
    for (const s of [root, other]) writeRecipe(s, { name: tool, image: inject('fixtureImage'), ...fields });
    return tool;
  };
  const warmLs = async (s: Sandbox, ...flags: string[]) => {
    const r = await berth(s, ['warm', 'ls', '--json', ...flags]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout.toString()) as Array<{ id: string; tool: string; uid: number | null }>;
  };
  /** Starts `berth run --no-warm TOOL no-trap` as the sandbox's user and SIGKILLs berth once the tool is ready: its container is left. */
  const orphan = async (s: Sandbox, tool: string): Promise<string> => {
    const before = new Set(containers(tool, false));
    let child: ReturnType<typeof spawn> | undefined;
    let out = '';
    const result = berth(s, ['run', '--no-warm', tool, 'no-trap'], {
      onSpawn: (c) => {
        child = c;
        c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      },
      stdout: new Writable({ write: (_d, _e, cb) => cb() }),
    });
    await until('the tool is ready', () => out.includes('ready'));
    child!.kill('SIGKILL');
    await result;
    const made = containers(tool, false).filter((id) => !before.has(id));
    expect(made).toHaveLength(1);
    return made[0]!;
  };

  beforeAll(() => {
    root = makeSandbox();
    other = makeSandbox({ uid: OTHER_UID });
  });

  afterAll(() => {
    for (const tool of tools) {
      const ids = containers(tool);
      if (ids.length > 0) docker('rm', '-f', ...ids);
    }
  });

  it('creates its cache and config private (directories 0700, files 0600) under umask 022, and tightens an older cache', async () => {
    // A cache directory an earlier berth made with the umask's mode.
    const cache = path.join(other.cache, 'berth');
    mkdirSync(cache);
    chmodSync(cache, 0o755);
    chownSync(cache, OTHER_UID, other.gid);
    const host = recipe('modes');
    const image = recipe('modes-image', { user: 'image' });
    const as = (args: string[]) => berth(other, args, { umask: 0o022 });
    for (const args of [
      ['config', 'set', 'warmIdleMinutes', '5'],
      ['run', '--no-warm', host, 'true'],
      ['run', '--warm', host, 'true'],
      ['run', '--warm', host, 'true'],
      ['run', '--warm', image, 'true'],
    ]) {
      const r = await as(args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    // Where the image's user (any uid) binds its warm server's socket.
    const [imageWarm] = containers(image, true);
    const shared = docker('inspect', '--format', '{{range .Mounts}}{{if eq .Destination "/dev/.berth-warm"}}{{.Source}}{{end}}{{end}}', imageWarm!);
    expect(path.dirname(shared)).toBe(path.join(cache, 'warm', 'sockets'));

    const seen = new Set<string>();
    const wrong: string[] = [];
    for (const dir of [cache, path.join(other.config, 'berth')]) {
      for (const [name, st] of walk(dir)) {
        const full = path.join(dir, name);
        seen.add(path.relative(cache, full));
        let want: number | undefined;
        if (st.isDirectory()) want = full === shared ? 0o733 : 0o700;
        // The warm server runs as the container's user; the host's CA certificates (public) are
        // read by a tool that may run as the image's user.
        else if (st.isFile()) want = /^warm\/server-[0-9a-f]{12}-\w+$/.test(path.relative(cache, full)) ? 0o755 : path.relative(cache, full) === 'trust/host-ca.pem' ? 0o644 : 0o600;
        else if (st.isSocket()) want = undefined; // reached only through the directories above
        else wrong.push(`${full}: not a file, directory or socket`);
        if (want !== undefined && (st.mode & 0o7777) !== want) wrong.push(`${full}: ${octal(st.mode)}, not ${octal(want)}`);
        // (A socket belongs to the server that made it: the container's user.)
        if (st.uid !== OTHER_UID && !st.isSocket()) wrong.push(`${full}: owned by ${st.uid}`);
      }
    }
    expect(wrong).toEqual([]);
    // What was walked: the parse cache, a tool home, identity files, warm state, the settings.
    for (const part of ['parsed', `home/${host}`, `identity/${OTHER_UID}-${other.gid}/${host}/passwd`, `identity/${OTHER_UID}-${other.gid}/${host}/group`, 'warm/used', 'warm/sockets', 'runs', '../../config/berth/config.json']) {
      expect([...seen], part).toContain(part);
    }
  });

  it("another user's warm containers are not listed, stopped or removed; root sees and stops them with --all-users", async () => {
    const tool = recipe('warm');
    /** Runs the tool warm as the sandbox's user: the id of the container it made. */
    const start = async (s: Sandbox) => {
      const before = new Set(containers(tool, true));
      expect((await berth(s, ['run', '--warm', tool, 'true'])).code).toBe(0);
      const made = containers(tool, true).filter((id) => !before.has(id));
      expect(made).toHaveLength(1);
      return made[0]!;
    };
    const mine = await start(root);
    const theirs = await start(other);
    const uidOf = (id: string) => docker('inspect', '--format', '{{index .Config.Labels "berth.uid"}}', id);

    const listed = async (s: Sandbox, ...flags: string[]) => (await warmLs(s, ...flags)).filter((c) => c.tool === tool).map((c) => c.id);
    expect(await listed(root)).toEqual([mine]);
    expect(await listed(other)).toEqual([theirs]);
    expect([mine, theirs].map(uidOf)).toEqual(['0', String(OTHER_UID)]);
    expect((await listed(root, '--all-users')).sort()).toEqual([mine, theirs].sort());
    expect((await warmLs(root, '--all-users')).find((c) => c.id === theirs)).toMatchObject({ uid: OTHER_UID });
    const table = (await berth(root, ['warm', 'ls', '--all-users'])).stdout.toString().split('\n');
    expect(table[0]).toMatch(/^TOOL\s+IMAGE\s+KEY\s+IDLE LEFT\s+ID\s+UID$/);
    expect(table.find((l) => l.includes(theirs!.slice(0, 12)))).toMatch(new RegExp(`\\s${OTHER_UID}$`));

    // gc prunes the caller's files only; neither container goes.
    for (const s of [root, other]) expect((await berth(s, ['gc'])).code).toBe(0);
    expect(containers(tool, true).sort()).toEqual([mine, theirs].sort());

    // Each user's warm stop stops their own.
    const stopOther = await berth(other, ['warm', 'stop', tool]);
    expect(stopOther.stdout.toString()).toBe(`stopped ${theirs!.slice(0, 12)} (${tool})\n`);
    await until("the other user's container is gone", () => containers(tool, true).length === 1);
    expect(containers(tool, true)).toEqual([mine]);
    const again = await start(other);
    const stopRoot = await berth(root, ['warm', 'stop', tool]);
    expect(stopRoot.stdout.toString()).toBe(`stopped ${mine!.slice(0, 12)} (${tool})\n`);
    await until("root's container is gone", () => containers(tool, true).length === 1);
    expect(containers(tool, true)).toEqual([again]);
    expect((await berth(root, ['warm', 'stop', tool])).stdout.toString()).toBe(`no warm containers of ${tool}\n`);

    // Root, asking for everyone's.
    const all = await berth(root, ['warm', 'stop', '--all-users', tool]);
    expect(all.stdout.toString()).toBe(`stopped ${again!.slice(0, 12)} (${tool})\n`);
    await until('every container is gone', () => containers(tool, true).length === 0);
  });

  it("gc and a run's orphan sweep remove only the caller's orphans; root's gc --all-users removes anyone's", async () => {
    const tool = recipe('orphan');
    const removed = (r: { stdout: Buffer }, id: string) => r.stdout.toString().includes(`removed ${id.slice(0, 12)} (${tool}, its berth (pid `);
    const theirs = await orphan(other, tool);
    const mine = await orphan(root, tool);

    // Root's gc removes root's orphan, not the other user's.
    const gcRoot = await berth(root, ['gc']);
    expect(gcRoot.code).toBe(0);
    expect([removed(gcRoot, mine), removed(gcRoot, theirs)]).toEqual([true, false]);
    expect(containers(tool, false)).toEqual([theirs]);

    // Nor does root's run, sweeping after a killed berth of its own (its orphan goes, theirs stays).
    await orphan(root, tool);
    expect(containers(tool, false)).toHaveLength(2);
    expect((await berth(root, ['run', '--no-warm', tool, 'true'])).code).toBe(0);
    expect(readdirSync(path.join(root.cache, 'berth', 'runs'))).toEqual([]);
    expect(containers(tool, false)).toEqual([theirs]);

    // Root asking for everyone's.
    const gcAll = await berth(root, ['gc', '--all-users']);
    expect(gcAll.code).toBe(0);
    expect(removed(gcAll, theirs)).toBe(true);
    expect(containers(tool, false)).toEqual([]);

    // The other user's gc removes theirs, not root's.
    const mine2 = await orphan(root, tool);
    const theirs2 = await orphan(other, tool);
    const gcOther = await berth(other, ['gc']);
    expect(gcOther.code).toBe(0);
    expect([removed(gcOther, theirs2), removed(gcOther, mine2)]).toEqual([true, false]);
    expect(containers(tool, false)).toEqual([mine2]);
    expect(removed(await berth(root, ['gc']), mine2)).toBe(true);
  });

  it('gives containers made before berth.uid existed to root with --all-users only', async () => {
    const tool = recipe('unlabelled');
    const labels = ['berth.managed=true', 'berth.warm=true', `berth.host=${hostname()}`, `berth.tool=${tool}`, 'berth.key=0123456789abcdef', 'berth.idle-minutes=10'];
    const id = docker('run', '-d', ...labels.flatMap((l) => ['--label', l]), '--entrypoint', 'sleep', inject('fixtureImage'), '600');
    try {
      for (const s of [root, other]) expect((await warmLs(s)).map((c) => c.id)).not.toContain(id);
      expect((await warmLs(root, '--all-users')).find((c) => c.id === id)).toMatchObject({ tool, uid: null });
      expect((await berth(other, ['warm', 'stop', tool])).stdout.toString()).toBe(`no warm containers of ${tool}\n`);
      expect((await berth(root, ['warm', 'stop', tool])).stdout.toString()).toBe(`no warm containers of ${tool}\n`);
      expect((await berth(root, ['warm', 'stop', '--all-users', tool])).stdout.toString()).toBe(`stopped ${id.slice(0, 12)} (${tool})\n`);
      await until('it is gone', () => containers(tool).length === 0);
    } finally {
      spawnSync('docker', ['rm', '-f', id]);
    }
  });

  it('refuses --all-users to a user who is not root, in one line', async () => {
    for (const args of [['warm', 'ls', '--all-users'], ['warm', 'stop', '--all-users', 'nothing'], ['gc', '--all-users']]) {
      const r = await berth(other, args);
      expect(r.stdout.toString()).toBe('');
      expect(r.stderr).toBe('berth: --all-users is for root only: other users\' containers are theirs\n');
      expect(r.code).toBe(1);
    }
  });
});
