import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerRunArgs } from '../../../../src/core/run/docker-command.js';
import { shellQuote } from '../../../../src/core/shell-words.js';
import { LABELS } from '../../../../src/core/labels.js';
import type { PolicyContext } from '../../../../src/core/run/path-policy.js';
import { pathMounts, planRun, type Host, type Mount } from '../../../../src/core/run/plan.js';
import type { Recipe } from '../../../../src/core/recipes/schema.js';

describe('path arguments', () => {
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-paths-')));
  const home = path.join(base, 'home');
  const work = path.join(base, 'work');
  const outside = path.join(base, 'outside');
  const shared = path.join(base, 'shared');
  const uid = process.getuid!();
  const ctx: PolicyContext = { home: [home], homes: ['/root'], runtimeDir: [], credentials: [], engineSockets: ['/var/run/docker.sock', '/run/docker.sock'], sockets: [] };
  const cwdMount: Mount = { source: work, target: work, readOnly: false };
  const mountsFor = (args: string[], existing: Mount[] = [cwdMount], owner = uid) => pathMounts(args, work, existing, () => ctx, owner);
  const refusalOf = (args: string[], existing?: Mount[]) => {
    try {
      mountsFor(args, existing);
    } catch (error) {
      return [(error as { exitCode: number }).exitCode, (error as Error).message];
    }
    return undefined;
  };
  let server: ReturnType<typeof createServer>;
  const socketPath = path.join(outside, 'app.sock');

  beforeAll(async () => {
    for (const dir of [path.join(home, '.ssh'), work, outside, shared]) mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(home, '.ssh', 'id_rsa'), 'key');
    writeFileSync(path.join(home, 'notes.txt'), 'notes');
    writeFileSync(path.join(outside, 'in.json'), '{}');
    writeFileSync(path.join(work, 'plain.txt'), 'x');
    chmodSync(outside, 0o755);
    chmodSync(shared, 0o777);
    symlinkSync(path.join(home, '.ssh', 'id_rsa'), path.join(work, 'key-link'));
    symlinkSync(path.join(outside, 'in.json'), path.join(work, 'in-link.json'));
    symlinkSync(outside, path.join(work, 'outside-link'));
    symlinkSync('/etc/shadow', path.join(outside, 'shadow-link'));
    symlinkSync(path.join(outside, 'in.json'), path.join(shared, 'abs-link.json'));
    server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });
  afterAll(() => server.close());

  it('mounts an outside file or directory at its path, and nothing for what the current directory holds', () => {
    expect(mountsFor([path.join(outside, 'in.json'), '../outside', 'plain.txt', path.join(work, 'plain.txt'), '.'])).toEqual([
      { source: path.join(outside, 'in.json'), target: path.join(outside, 'in.json'), readOnly: false },
      { source: outside, target: outside, readOnly: false },
    ]);
  });

  it('leaves /dev/null, /dev/stdin, /dev/fd/N and /proc/self/fd/N to the container', () => {
    expect(mountsFor(['/dev/null', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/fd/3', '/proc/self/fd/0', '--out=/dev/null'])).toEqual([]);
  });

  it('refuses what the policy refuses, with exit 125, the path, why, and the -v that would mount it', () => {
    expect(refusalOf(['/var/run/docker.sock'])).toEqual([
      125,
      '/var/run/docker.sock is an engine socket: not mounted (mount it yourself with -v /var/run/docker.sock:/var/run/docker.sock if you mean it, or --no-path-mounts)',
    ]);
    expect(refusalOf([socketPath])).toEqual([125, `${socketPath} is a socket: not mounted (mount it yourself with -v ${socketPath}:${socketPath} if you mean it, or --no-path-mounts)`]);
    expect(refusalOf(['../../../../../../../../etc/shadow'])?.[1]).toMatch(/^\/etc\/shadow is in \/etc \(system configuration\): not mounted/);
    expect(refusalOf([path.join(home, '.ssh', 'id_rsa')])?.[1]).toMatch(/is in .*\/home\/\.ssh \(credentials\)/);
    expect(refusalOf([home])?.[1]).toMatch(/ is your home directory: not mounted/);
    expect(refusalOf([`--key=${path.join(home, '.ssh')}`])?.[1]).toMatch(/ is credentials: not mounted/);
    expect(refusalOf(['/proc/cpuinfo'])?.[1]).toMatch(/is in \/proc/);
    expect(refusalOf([path.join(home, '.ssh', 'new_key')])?.[1]).toMatch(new RegExp(`^${home}/.ssh/new_key is in ${home}/.ssh \\(credentials\\): not mounted \\(mount it yourself with -v ${home}/.ssh:${home}/.ssh `));
  });

  it('resolves symlinks first and judges where they lead', () => {
    // Inside the current directory (named relatively or not), leading to a credential.
    for (const arg of ['key-link', path.join(work, 'key-link'), './key-link']) {
      expect(refusalOf([arg])?.[1]).toBe(
        `${path.join(work, 'key-link')} (-> ${home}/.ssh/id_rsa) is in ${home}/.ssh (credentials): not mounted (mount it yourself with -v ${home}/.ssh/id_rsa:${home}/.ssh/id_rsa if you mean it, or --no-path-mounts)`,
      );
    }
    // Outside, leading to /etc/shadow.
    expect(refusalOf([path.join(outside, 'shadow-link')])?.[1]).toMatch(new RegExp(`^${outside}/shadow-link \\(-> /etc/shadow\\) is in /etc \\(system configuration\\)`));
    // Through a symlinked directory.
    expect(refusalOf([path.join(work, 'outside-link', 'shadow-link')])?.[1]).toMatch(/-> \/etc\/shadow\) is in \/etc/);
  });

  it('mounts what a permitted symlink leads to: at its own path when the symlink is visible already, else at the named path', () => {
    expect(mountsFor(['in-link.json', path.join(shared, 'abs-link.json')])).toEqual([
      { source: path.join(outside, 'in.json'), target: path.join(outside, 'in.json'), readOnly: false },
      { source: path.join(outside, 'in.json'), target: path.join(shared, 'abs-link.json'), readOnly: false },
    ]);
    expect(mountsFor(['outside-link/in.json', 'outside-link/new.txt'])).toEqual([
      { source: path.join(outside, 'in.json'), target: path.join(outside, 'in.json'), readOnly: false },
      { source: outside, target: outside, readOnly: false },
    ]);
  });

  it('mounts nothing for a path that is a mount target already (an explicit -v of it)', () => {
    const v: Mount = { source: socketPath, target: socketPath, readOnly: false };
    expect(mountsFor([socketPath], [cwdMount, v])).toEqual([]);
  });

  it("mounts the directory of a file to be written when it is the user's own; else only the file, made by berth", () => {
    // Owned by the user, 0755.
    expect(mountsFor([path.join(outside, 'out.gif')])).toEqual([{ source: outside, target: outside, readOnly: false }]);
    // World-writable without the sticky bit: others could swap the file for a link before the
    // engine mounts it: refused. Sticky (as /tmp): only the file, made by berth.
    expect(() => mountsFor([path.join(shared, 'out.gif')])).toThrow(/out\.gif is in a directory others can write \(.* can be written by every user\): they could swap it/);
    chmodSync(shared, 0o1777);
    try {
      expect(mountsFor([path.join(shared, 'out.gif')])).toEqual([{ source: path.join(shared, 'out.gif'), target: path.join(shared, 'out.gif'), readOnly: false, create: true }]);
    } finally {
      chmodSync(shared, 0o777);
    }
    // Owned by someone else.
    expect(mountsFor([path.join(outside, 'out.gif')], [cwdMount], uid + 1)).toEqual([
      { source: path.join(outside, 'out.gif'), target: path.join(outside, 'out.gif'), readOnly: false, create: true },
    ]);
    // In the home directory, which is never mounted whole.
    expect(mountsFor([path.join(home, 'out.gif')])).toEqual([{ source: path.join(home, 'out.gif'), target: path.join(home, 'out.gif'), readOnly: false, create: true }]);
    // An existing file in the home directory is mounted alone.
    expect(mountsFor([path.join(home, 'notes.txt')])).toEqual([{ source: path.join(home, 'notes.txt'), target: path.join(home, 'notes.txt'), readOnly: false }]);
    // Nothing when the directory is missing, nor for a missing file right under / (the image's).
    expect(mountsFor([path.join(outside, 'no', 'out.gif'), '/marker', '../../../../../../marker'])).toEqual([]);
  });

  it('refuses / as the current directory, and mounts HOME at its own path when the current directory is an ancestor or the home', () => {
    const recipe = { name: 'tool', description: 'd', tags: [], image: 'i', version: '1', args: [], network: 'none', env: [], home: [], user: 'host', tty: 'auto', warm: false, examples: [], file: '/r', source: 'user' } as Recipe;
    const hostOf = (cwd: string) => ({ cwd, env: { XDG_CACHE_HOME: path.join(home, '.cache') }, stdinIsTTY: false, stdoutIsTTY: false, identity: { uid: 1000, gid: 1000, name: 'me' }, policy: () => ctx });
    expect(() => planRun(recipe, 'i', [], {}, hostOf('/'))).toThrow(/^the current directory is \/: /);
    const toolHome = path.join(home, '.cache', 'berth', 'home', 'tool');
    for (const cwd of [home, base, work]) {
      const plan = planRun(recipe, 'i', [path.join(home, 'notes.txt')], {}, hostOf(cwd));
      const targets = plan.mounts.map((m) => m.target);
      expect(new Set(targets).size).toBe(targets.length);
      expect(plan.env).toContain(`HOME=${toolHome}`);
      expect(plan.mounts.every((m) => m.target === m.source || m.target.startsWith('/etc/'))).toBe(true);
      expect(targets.includes(toolHome)).toBe(cwd === work);
    }
  });

  it('warns of a -v that hands the tool a socket, and mounts it', () => {
    const warnings: string[] = [];
    const recipe = { name: 'tool', description: 'd', tags: [], image: 'i', version: '1', args: [], network: 'none', env: [], home: [], user: 'image', tty: 'auto', warm: false, examples: [], file: '/r', source: 'user' } as Recipe;
    const plan = planRun(recipe, 'i', ['/app.sock'], { volumes: [`${socketPath}:/app.sock`, `${outside}:/o`] }, {
      cwd: work, env: {}, stdinIsTTY: false, stdoutIsTTY: false, policy: () => ctx, warn: (line) => warnings.push(line),
    });
    expect(warnings).toEqual([`warning: -v ${socketPath}:/app.sock: ${socketPath} is a socket: the tool can talk to what listens on it`]);
    expect(plan.mounts.map((m) => m.target)).toEqual([work, '/app.sock', '/o']);
    // A directory that would hold an engine socket warns only when it does.
    const plain = { cwd: work, env: {}, stdinIsTTY: false, stdoutIsTTY: false, policy: () => ctx, warn: (line: string) => warnings.push(line) };
    warnings.length = 0;
    planRun(recipe, 'i', [], { volumes: [`${home}:/h`] }, plain);
    expect(warnings).toEqual([]);
    mkdirSync(path.join(home, '.docker', 'run'), { recursive: true });
    planRun(recipe, 'i', [], { volumes: [`${home}:/h`] }, plain);
    expect(warnings).toEqual([`warning: -v ${home}:/h: ${home} contains ${home}/.docker/run (an engine socket): the tool can control the engine, and so this machine`]);
    rmSync(path.join(home, '.docker'), { recursive: true });
  });
});

function recipe(fields: Partial<Recipe> = {}): Recipe {
  return {
    name: 'tool', description: 'd', tags: [], image: 'example.org/tool:{version}', version: '1', args: [], network: 'none', env: [], home: [],
    user: 'host', tty: 'auto', warm: false, examples: [], file: '/r/tool.yaml', source: 'user', ...fields,
  };
}

describe('run plan', () => {
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-plan-')));
  const work = path.join(base, 'work');
  mkdirSync(work);
  // The tool's HOME: in berth's cache, at its own path.
  const toolHome = path.join(base, 'cache', 'berth', 'home', 'tool');
  const policy: PolicyContext = { home: ['/home/ann'], homes: ['/root'], runtimeDir: [], credentials: [], engineSockets: ['/var/run/docker.sock'], sockets: [] };
  const host = (over: Partial<Host> = {}): Host => ({
    cwd: work, env: { XDG_CACHE_HOME: path.join(base, 'cache'), TERM: 'xterm', LC_ALL: 'C', SECRET: 's', KEEP: 'k' },
    stdinIsTTY: false, stdoutIsTTY: false, identity: { uid: 1000, gid: 1000, name: 'ann' }, policy: () => policy, ...over,
  });

  it('chooses a TTY only when stdin and stdout are both terminals, unless told', () => {
    expect(planRun(recipe(), 'i', [], {}, host({ stdinIsTTY: true, stdoutIsTTY: false })).tty).toBe(false);
    expect(planRun(recipe(), 'i', [], {}, host({ stdinIsTTY: true, stdoutIsTTY: true })).tty).toBe(true);
    expect(planRun(recipe({ tty: 'never' }), 'i', [], {}, host({ stdinIsTTY: true, stdoutIsTTY: true })).tty).toBe(false);
    expect(planRun(recipe(), 'i', [], { tty: true }, host()).tty).toBe(true);
  });

  it('passes only terminal and locale variables, the recipe env and -e', () => {
    const plan = planRun(recipe({ env: ['KEEP'] }), 'i', [], { env: ['X=1', 'SECRET'] }, host());
    expect(plan.env).toEqual(['X=1', 'SECRET=s', 'KEEP=k', 'LC_ALL=C', 'TERM=xterm', `HOME=${toolHome}`, 'USER=ann']);
  });

  it('runs a script under /bin/sh with the arguments as "$@", and prepends recipe args otherwise', () => {
    const script = planRun(recipe({ script: 'echo "$@"' }), 'i', ['a'], {}, host());
    expect([script.entrypoint, script.cmd]).toEqual([['/bin/sh', '-c', 'echo "$@"', 'tool'], ['a']]);
    const args = planRun(recipe({ entrypoint: ['/bin/t'], args: ['--flag'] }), 'i', ['a'], {}, host());
    expect([args.entrypoint, args.cmd]).toEqual([['/bin/t'], ['--flag', 'a']]);
  });

  it('runs as the host user with passwd, group and HOME, or as the image user', () => {
    const plan = planRun(recipe(), 'i', [], {}, host());
    expect(plan.user).toBe('1000:1000');
    expect(plan.mounts.map((m) => [m.source, m.target])).toEqual([
      [work, work],
      [path.join(base, 'cache', 'berth', 'identity', '1000-1000', 'tool', 'passwd'), '/etc/passwd'],
      [path.join(base, 'cache', 'berth', 'identity', '1000-1000', 'tool', 'group'), '/etc/group'],
      [toolHome, toolHome],
    ]);
    expect(readFileSync(plan.mounts[1]!.source, 'utf8')).toContain(`ann:x:1000:1000:ann:${toolHome}:/bin/sh\n`);
    const image = planRun(recipe({ user: 'image' }), 'i', [], {}, host());
    expect(image.user).toBeUndefined();
    expect(image.mounts.map((m) => m.target)).toEqual([work]);
    // A rootless engine: no uid and no passwd entry (uid 0 is the user), the tool's HOME all the same.
    const rootless = planRun(recipe(), 'i', [], {}, { ...host(), rootless: true });
    expect(rootless.user).toBeUndefined();
    expect(rootless.mounts.map((m) => m.target)).toEqual([work, toolHome]);
    expect(rootless.env).toContain(`HOME=${toolHome}`);
    expect(rootless.userns).toBeUndefined();
    // Rootless Podman: keep-id maps the user's uid to itself; never for `user: image`, whose
    // default user keep-id would replace with the user's.
    const podman = planRun(recipe(), 'i', [], {}, { ...host(), rootless: true, keepId: true });
    expect([podman.user, podman.userns, dockerRunArgs(podman).join(' ')]).toEqual([undefined, 'keep-id', expect.stringContaining(' --userns keep-id ')]);
    const podmanImageUser = planRun(recipe({ user: 'image' }), 'i', [], {}, { ...host(), rootless: true, keepId: true });
    expect(podmanImageUser.userns).toBeUndefined();
    // A project's recipe of the same name has a HOME of its own (it never sees the other's).
    const project = planRun(recipe({ source: 'project', file: '/p/.berth/recipes/tool.yaml' }), 'i', [], {}, host());
    const projectHome = project.env.find((e) => e.startsWith('HOME='))!.slice('HOME='.length);
    expect(projectHome).not.toBe(toolHome);
    expect(path.basename(projectHome)).toMatch(/^tool\.project-[0-9a-f]{16}$/);
  });

  it("labels the container with the invoking uid, the label berth's listings filter on", () => {
    expect(planRun(recipe(), 'i', [], {}, host()).labels[LABELS.uid]).toBe(String(process.getuid!()));
  });

  it('mounts outside paths: existing ones, and the directory of a file to be written', () => {
    const other = path.join(base, 'other');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'in.mp4'), '');
    const mounts = pathMounts([path.join(other, 'in.mp4'), path.join(other, 'new', 'x'), path.join(base, 'out.gif'), '../other/in.mp4', 'rel.txt', '/dev/null', `--out=${path.join(other, 'in.mp4')}`], work, [
      { source: work, target: work, readOnly: false },
    ], () => policy);
    expect(mounts.map((m) => m.target)).toEqual([path.join(other, 'in.mp4'), base]);
  });

  it('prints a docker run command that quotes every word for a shell', () => {
    const plan = planRun(recipe({ entrypoint: ['/bin/t', '-x'] }), 'img:1', ["it's", 'a b'], {}, host({ identity: undefined }));
    const argv = dockerRunArgs(plan);
    expect(argv.slice(0, 4)).toEqual(['docker', 'run', '--rm', '-i']);
    expect(argv.slice(-5)).toEqual(['--entrypoint', '/bin/t', 'img:1', '-x', "it's", 'a b'].slice(-5));
    expect(argv.map((word) => shellQuote(word)).join(' ')).toContain(`'it'\\''s' 'a b'`);
  });

  it('gives the tool stdin unless a TTY is forced on over a stdin that is no terminal, and prints -i to match', () => {
    const flags = (plan: ReturnType<typeof planRun>) => dockerRunArgs(plan).filter((a) => a === '-i' || a === '-t');
    const piped = planRun(recipe(), 'i', [], {}, host({ stdinIsTTY: false }));
    expect([piped.stdin, flags(piped)]).toEqual([true, ['-i']]);
    const forced = planRun(recipe(), 'i', [], { tty: true }, host({ stdinIsTTY: false }));
    expect([forced.stdin, flags(forced)]).toEqual([false, ['-t']]);
    const terminal = planRun(recipe(), 'i', [], {}, host({ stdinIsTTY: true, stdoutIsTTY: true }));
    expect([terminal.stdin, flags(terminal)]).toEqual([true, ['-i', '-t']]);
  });
});
