import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asUser, BERTH, berth, makeSandbox, OTHER_UID, writeRecipe, type Sandbox } from '../support/berth.js';

/**
 * What berth mounts on its own for the paths named among a tool's arguments (the path policy,
 * src/core/run/path-policy.ts), and the tool's HOME at its own path, against the real engine with the
 * built bin/run.js, as a user other than root (OTHER_UID). Every test runs fresh and warm.
 */
const MODES: Array<{ name: string; flags: string[] }> = [
  { name: 'fresh container', flags: [] },
  { name: 'warm container', flags: ['--warm'] },
];

const SUFFIX = String(process.pid);

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** Every file and directory under `dir` (not following symlinks) whose owner is not `uid`. */
function notOwnedBy(dir: string, uid: number): string[] {
  const found: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.uid !== uid) found.push(`${p} (uid ${st.uid})`);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
  return found;
}

/** The containers the engine created for `tool` since `since` (seconds). */
function createdSince(tool: string, since: number): string[] {
  const now = (Date.now() / 1000).toFixed(3);
  return docker('events', '--since', since.toFixed(3), '--until', now, '--filter', 'event=create', '--filter', `label=berth.tool=${tool}`, '--format', '{{.Actor.ID}}')
    .split('\n')
    .filter(Boolean);
}

describe.each(MODES)('path arguments ($name)', ({ name: mode, flags }) => {
  const warm = flags.includes('--warm');
  let sb: Sandbox;
  let server: Server;
  let socketPath: string;
  const tool = `pm-${SUFFIX}`;
  // Runs of this tool must never start anything.
  const refused = `pm-refused-${SUFFIX}-${warm ? 'w' : 'f'}`;
  const run = (args: string[], options?: Parameters<typeof berth>[2]) => berth(sb, ['run', ...flags, ...args], options);

  beforeAll(async () => {
    sb = makeSandbox({ uid: OTHER_UID });
    const image = inject('fixtureImage');
    writeRecipe(sb, { name: tool, image });
    writeRecipe(sb, { name: refused, image });
    writeRecipe(sb, { name: `pm-missing-${SUFFIX}`, image: 'berth-test/no-such-image:never' });
    // The sandbox's HOME is its root: credentials in it, a file, a place outside the work directory.
    const own = (p: string) => chownSync(p, OTHER_UID, sb.gid);
    mkdirSync(path.join(sb.root, '.ssh'), { mode: 0o700 });
    writeFileSync(path.join(sb.root, '.ssh', 'id_rsa'), 'PRIVATE KEY\n', { mode: 0o600 });
    for (const p of [path.join(sb.root, '.ssh'), path.join(sb.root, '.ssh', 'id_rsa')]) own(p);
    mkdirSync(path.join(sb.root, 'elsewhere'));
    writeFileSync(path.join(sb.root, 'elsewhere', 'input.txt'), 'from elsewhere\n');
    symlinkSync('/etc/shadow', path.join(sb.root, 'elsewhere', 'shadow-link'));
    symlinkSync(path.join(sb.root, '.ssh', 'id_rsa'), path.join(sb.work, 'key-link'));
    symlinkSync(path.join(sb.root, 'elsewhere', 'input.txt'), path.join(sb.work, 'input-link'));
    for (const p of [path.join(sb.root, 'elsewhere'), path.join(sb.root, 'elsewhere', 'input.txt')]) own(p);
    // A folder anyone can write (no sticky bit), and one of a third user: what is in them could be
    // swapped for a link to the user's files between berth's check and the engine's mount.
    mkdirSync(path.join(sb.root, 'open'));
    writeFileSync(path.join(sb.root, 'open', 'in.txt'), 'open\n');
    chmodSync(path.join(sb.root, 'open'), 0o777);
    mkdirSync(path.join(sb.root, 'theirs'));
    writeFileSync(path.join(sb.root, 'theirs', 'in.txt'), 'theirs\n', { mode: 0o644 });
    chownSync(path.join(sb.root, 'theirs'), OTHER_UID + 1, OTHER_UID + 1);
    mkdirSync(path.join(sb.root, 'sock'));
    socketPath = path.join(sb.root, 'sock', 'app.sock');
    server = createServer((c) => c.end('hello from the socket\n'));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  afterAll(() => {
    server.close();
    const ids = docker('ps', '-aq', '--filter', `label=berth.tool=${tool}`).split('\n').filter(Boolean);
    if (ids.length > 0) docker('rm', '-f', ...ids);
  });

  describe('refused, before anything starts (exit 125, one line naming the path and the -v that mounts it)', () => {
    const cases: Array<[string, () => string, RegExp]> = [
      ['a socket', () => socketPath, /^berth: (\S+app\.sock) is a socket: not mounted \(mount it yourself with -v \1:\1 if you mean it, or --no-path-mounts\)$/],
      ['the engine socket', () => '/var/run/docker.sock', /^berth: \/var\/run\/docker\.sock is an engine socket: not mounted \(mount it yourself with -v \/var\/run\/docker\.sock:\/var\/run\/docker\.sock /],
      ['/etc/shadow through ../../..', () => '../../../etc/shadow', /^berth: \/etc\/shadow is in \/etc \(system configuration\): not mounted/],
      ['/etc', () => '../../../etc', /^berth: \/etc is system configuration: not mounted/],
      ['a credential file in HOME', () => path.join(sb.root, '.ssh', 'id_rsa'), /^berth: \S+\/\.ssh\/id_rsa is in \S+\/\.ssh \(credentials\): not mounted/],
      ['a new file in a credential directory', () => path.join(sb.root, '.ssh', 'id_new'), /^berth: \S+\/\.ssh\/id_new is in \S+\/\.ssh \(credentials\): not mounted/],
      ['HOME', () => sb.root, /^berth: \S+ is your home directory: not mounted/],
      ['a symlink in the work directory leading to a credential file', () => 'key-link', /^berth: \S+\/work\/key-link \(-> \S+\/\.ssh\/id_rsa\) is in \S+\/\.ssh \(credentials\): not mounted/],
      ['an absolute symlink outside leading to /etc/shadow', () => path.join(sb.root, 'elsewhere', 'shadow-link'), /^berth: \S+\/shadow-link \(-> \/etc\/shadow\) is in \/etc \(system configuration\): not mounted/],
      ['a path in /proc', () => '/proc/1/environ', /^berth: \/proc\/1\/environ is in \/proc \(kernel state\): not mounted/],
      ['a file in a folder anyone can write', () => path.join(sb.root, 'open', 'in.txt'), /^berth: \S+\/open\/in\.txt is in a directory others can write \(\S+ can be written by every user\): they could swap it for a link to your files before it is mounted: not mounted/],
      ['a new file in a folder anyone can write', () => path.join(sb.root, 'open', 'out.txt'), /^berth: \S+\/open\/out\.txt is in a directory others can write/],
      ["a file in another user's folder", () => path.join(sb.root, 'theirs', 'in.txt'), new RegExp(`^berth: \\S+/theirs/in\\.txt is in \\S+/theirs, whose owner \\(uid ${OTHER_UID + 1}\\) could swap it`)],
    ];
    it.each(cases)('%s', async (_, arg, message) => {
      const since = Date.now() / 1000;
      const r = await berth(sb, ['run', ...flags, refused, 'sh', '-c', 'exit 0', 'sh', `--in=${arg()}`]);
      expect([r.code, r.stdout.toString()]).toEqual([125, '']);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(r.stderr.trim()).toMatch(message);
      expect(createdSince(refused, since)).toEqual([]);
    });
  });

  it('--no-path-mounts turns the policy off: nothing is mounted, nothing refused', async () => {
    const r = await run(['--no-path-mounts', tool, 'sh', '-c', 'test -e "$1" || echo absent', 'sh', path.join(sb.root, '.ssh', 'id_rsa')]);
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, 'absent\n', '']);
  });

  it('mounts a socket given with -v, with one warning line', async () => {
    const r = await run(['-v', `${socketPath}:${socketPath}`, tool, 'sh', '-c', 'test -S "$1" && echo socket', 'sh', socketPath]);
    expect([r.code, r.stdout.toString()]).toEqual([0, 'socket\n']);
    expect(r.stderr).toBe(`berth: warning: -v ${socketPath}:${socketPath}: ${socketPath} is a socket: the tool can talk to what listens on it\n`);
    const engine = await run(['-v', '/var/run/docker.sock:/engine.sock', tool, 'sh', '-c', 'test -S /engine.sock && echo socket']);
    expect([engine.code, engine.stdout.toString()]).toEqual([0, 'socket\n']);
    expect(engine.stderr).toBe('berth: warning: -v /var/run/docker.sock:/engine.sock: /var/run/docker.sock is an engine socket: the tool can control the engine, and so this machine\n');
  });

  it('passes /dev/null, /dev/stdin, /dev/fd/N and /proc/self/fd/N without a mount', async () => {
    const r = await run([tool, 'sh', '-c', 'cat "$1"; cat "$2"; echo "$3 $4" >&2; ls "$3" "$4" > /dev/null && echo ok', 'sh', '/dev/null', '/dev/stdin', '/dev/fd/1', '/proc/self/fd/2'], { input: 'piped\n' });
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, 'piped\nok\n', '/dev/fd/1 /proc/self/fd/2\n']);
  });

  it('mounts what a permitted symlink leads to, and a file under HOME named from elsewhere', async () => {
    writeFileSync(path.join(sb.root, 'h.json'), '{"in":"home"}\n');
    const r = await run([tool, 'sh', '-c', 'cat "$1" "$2"', 'sh', 'input-link', path.join(sb.root, 'h.json')]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.toString()).toBe('from elsewhere\n{"in":"home"}\n');
  });

  describe('a new file in a directory berth does not mount whole (HOME)', () => {
    it("is written with the user's ownership, and the tool sees nothing else of the directory", async () => {
      const out = path.join(sb.root, `out-${mode.split(' ')[0]}.txt`);
      const r = await run([tool, 'sh', '-c', 'write-file "$1" written && ls -A "${1%/*}/.ssh" "${1%/*}/elsewhere" "${1%/*}/h.json" 2>&1 || echo hidden', 'sh', out]);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout.toString()).toMatch(/^(ls: .*No such file or directory\n){3}hidden\n$/);
      expect(readFileSync(out, 'utf8')).toBe('written');
      const st = statSync(out);
      expect([st.uid, st.gid, st.mode & 0o777]).toEqual([OTHER_UID, sb.gid, 0o666 & ~process.umask()]);
    });

    it('leaves nothing behind when the tool does not write it: it exits, fails, berth is signalled, the engine fails', async () => {
      const files = ['exit', 'fail', 'signal', 'engine'].map((what) => path.join(sb.root, `${what}-${mode.split(' ')[0]}.txt`));
      const exit = await run([tool, 'sh', '-c', 'test -f "$1" && echo "there, empty: $(wc -c < "$1")"', 'sh', files[0]!]);
      expect([exit.code, exit.stdout.toString(), exit.stderr]).toEqual([0, 'there, empty: 0\n', '']);
      const fail = await run([tool, 'exit-with', '3', files[1]!]);
      expect(fail.code).toBe(3);
      const signalled = await run([tool, 'sh', '-c', 'echo ready; sleep 30', 'sh', files[2]!], {
        onSpawn: (child) => child.stdout!.once('data', () => child.kill('SIGTERM')),
      });
      expect(signalled.code).not.toBe(0);
      const engine = await run(['--pull', 'never', `pm-missing-${SUFFIX}`, files[3]!]);
      expect(engine.code).toBe(125);
      for (const file of files) expect(existsSync(file), file).toBe(false);
    });
  });

  it('leaves no container of the refused runs, and none that is not warm', () => {
    expect(docker('ps', '-aq', '--filter', `label=berth.tool=${refused}`)).toBe('');
    const left = docker('ps', '-a', '--filter', `label=berth.tool=${tool}`, '--format', '{{.Label "berth.warm"}}').split('\n').filter(Boolean);
    expect(left.every((w) => w === 'true')).toBe(true);
  });
});

/**
 * The tool's HOME is berth's per-tool directory mounted at its own path, so a path means the same
 * file inside as outside from every current directory. Here HOME is /home/NAME, as on a real
 * machine (the sandbox's user has no passwd entry; $USER names it), and berth's cache is in it.
 */
describe.each(MODES)('HOME, from wherever the user stands ($name)', ({ flags }) => {
  const warm = flags.includes('--warm');
  const user = `berth-test-${SUFFIX}`;
  const home = `/home/${user}`;
  const tool = `pmh-${SUFFIX}${warm ? '-w' : ''}`;
  let sb: Sandbox;
  let env: NodeJS.ProcessEnv;
  const run = (args: string[], cwd: string) => berth(sb, ['run', ...flags, ...args], { cwd, env });

  beforeAll(() => {
    sb = makeSandbox({ uid: OTHER_UID });
    rmSync(home, { recursive: true, force: true });
    mkdirSync(home, { mode: 0o755 });
    chownSync(home, OTHER_UID, sb.gid);
    env = { HOME: home, USER: user, XDG_CACHE_HOME: path.join(home, '.cache'), XDG_CONFIG_HOME: path.join(home, '.config') };
    writeFileSync(path.join(home, 'h.json'), '{"real":"home"}\n');
    chownSync(path.join(home, 'h.json'), OTHER_UID, sb.gid);
    writeRecipe(sb, { name: tool, image: inject('fixtureImage'), ...(warm ? { warm: true } : {}) });
  });

  afterAll(() => {
    const ids = docker('ps', '-aq', '--filter', `label=berth.tool=${tool}`).split('\n').filter(Boolean);
    if (ids.length > 0) docker('rm', '-f', ...ids);
    rmSync(home, { recursive: true, force: true });
  });

  const toolHome = () => path.join(home, '.cache', 'berth', 'home', tool);

  it('runs from HOME: the current directory is HOME, and HOME is the tool\'s own', async () => {
    const r = await run([tool, 'sh', '-c', 'pwd; echo "$HOME"; cat h.json; id -un; grep "^$(id -un):" /etc/passwd | cut -d: -f6; echo kept > "$HOME/state"'], home);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.toString()).toBe(`${home}\n${toolHome()}\n{"real":"home"}\n${user}\n${toolHome()}\n`);
    expect(readFileSync(path.join(toolHome(), 'state'), 'utf8')).toBe('kept\n');
  });

  it('runs from /home and from the work directory, with the same HOME', async () => {
    for (const cwd of ['/home', sb.work]) {
      const r = await run([tool, 'sh', '-c', 'pwd; cat "$HOME/state"'], cwd);
      expect([r.code, r.stderr, r.stdout.toString()]).toEqual([0, '', `${cwd}\nkept\n`]);
    }
  });

  it('reads a file under HOME named from elsewhere: the real one, not a file in the tool HOME', async () => {
    const r = await run([tool, 'cat', path.join(home, 'h.json')], sb.work);
    expect([r.code, r.stderr, r.stdout.toString()]).toEqual([0, '', '{"real":"home"}\n']);
  });

  it('writes a new file into HOME from elsewhere, as the user', async () => {
    const out = path.join(home, 'out.gif');
    const r = await run([tool, 'write-file', out, 'GIF89a'], sb.work);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(readFileSync(out, 'utf8')).toBe('GIF89a');
    expect(statSync(out).uid).toBe(OTHER_UID);
  });

  it('refuses / as the current directory, in one line, starting nothing', async () => {
    const since = Date.now() / 1000;
    const r = await run([tool, 'true'], '/');
    expect(r.code).toBe(125);
    expect(r.stderr).toBe('berth: the current directory is /: berth mounts the current directory into the tool, never the whole filesystem; cd to a directory of your own first\n');
    expect(createdSince(tool, since)).toEqual([]);
  });

  it('runs a shim from HOME', async () => {
    const shims = path.join(sb.root, 'shims');
    const installed = await berth(sb, ['install', '--no-pull', tool], { env: { ...env, BERTH_SHIM_DIR: shims } });
    expect(installed.code).toBe(0);
    const r = await new Promise<{ out: string; err: string; code: number | null }>((resolve) => {
      const [command, ...argv] = asUser(sb, ['/bin/sh', '-c', 'exec "$0" "$@"', tool, 'sh', '-c', 'pwd; echo "$HOME"']);
      const child = spawn(command!, argv, { cwd: home, env: { ...sb.env, ...env, PATH: `${shims}:/usr/bin:/bin` }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => resolve({ out, err, code }));
    });
    expect([r.code, r.err, r.out]).toEqual([0, '', `${home}\n${toolHome()}\n`]);
  });

  it('leaves nothing on the host that the user does not own (HOME, berth\'s cache, the work directory)', async () => {
    if (warm) expect(docker('ps', '-q', '--filter', `label=berth.tool=${tool}`, '--filter', 'label=berth.warm=true')).not.toBe('');
    expect(notOwnedBy(home, OTHER_UID)).toEqual([]);
    expect(notOwnedBy(sb.root, OTHER_UID).filter((p) => !p.startsWith(path.join(sb.root, 'recipes')))).toEqual([]);
  });
});

// (BERTH is the CLI the tests run; referenced so a broken build fails here first.)
void BERTH;
