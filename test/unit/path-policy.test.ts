import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCreatedFiles } from '../../src/core/run/created-files.js';
import { HOME_CREDENTIALS, isContainerOwn, judgePath, passwdHomes, pathRules, policyContext, socketRefusal, type PolicyContext } from '../../src/core/run/path-policy.js';
import { pathMounts, planRun, type Mount } from '../../src/core/run/plan.js';
import type { Recipe } from '../../src/core/recipes/schema.js';

/** The facts of a made-up host: the user "me", two other users, an engine on the default socket. */
const host: PolicyContext = {
  home: ['/home/me'],
  homes: ['/root', '/home/bob', '/srv/alice'],
  runtimeDir: ['/run/user/1000'],
  credentials: ['/work/kubeconfig'],
  engineSockets: ['/var/run/docker.sock', '/run/docker.sock'],
  sockets: ['/home/me/.cache/berth/warm/sockets', '/tmp/ssh-abc/agent.1'],
};
const rules = pathRules(host);
const reason = (p: string, socket = false) => judgePath(p, rules, socket)?.reason;

describe('the path policy, row by row', () => {
  // [path, why it is refused] — undefined: it may be mounted.
  const table: Array<[string, string | undefined]> = [
    // the filesystem root
    ['/', 'is the filesystem root'],
    // engine sockets: the engine's own, docker*, podman, containerd..., rootless ones, Docker Desktop and friends
    ['/var/run/docker.sock', 'is an engine socket'],
    ['/run/docker.sock', 'is an engine socket'],
    ['/run/docker', 'is an engine socket'],
    ['/var/run/dockershim.sock', 'is an engine socket'],
    ['/run/docker/plugins/x.sock', 'is an engine socket'],
    ['/run/podman/podman.sock', 'is in /run/podman (an engine socket)'],
    ['/var/run/containerd/containerd.sock', 'is in /var/run/containerd (an engine socket)'],
    ['/run/crio/crio.sock', 'is in /run/crio (an engine socket)'],
    ['/run/user/1000/docker.sock', 'is an engine socket'],
    ['/run/user/1000/podman/podman.sock', 'is in /run/user/1000/podman (an engine socket)'],
    ['/home/me/.docker/run/docker.sock', 'is in /home/me/.docker/run (an engine socket)'],
    ['/home/me/.colima/default/docker.sock', 'is in /home/me/.colima (an engine socket)'],
    ['/home/me/.rd/docker.sock', 'is in /home/me/.rd (an engine socket)'],
    ['/home/me/.orbstack/run/docker.sock', 'is in /home/me/.orbstack (an engine socket)'],
    ['/home/me/.local/share/containers/podman/machine/podman.sock', 'is in /home/me/.local/share/containers/podman (an engine socket)'],
    // other sockets: berth's warm containers', the ssh agent's
    ['/home/me/.cache/berth/warm/sockets/0123/s', 'is in /home/me/.cache/berth/warm/sockets (a socket)'],
    ['/tmp/ssh-abc/agent.1', 'is a socket'],
    ['/tmp/ssh-abc', 'contains /tmp/ssh-abc/agent.1 (a socket)'],
    ['/home/me/.cache/berth/warm', 'contains /home/me/.cache/berth/warm/sockets (a socket)'],
    // system directories, whole and inside
    ['/etc', 'is system configuration'],
    ['/etc/shadow', 'is in /etc (system configuration)'],
    ['/etc/ssh/ssh_host_ed25519_key', 'is in /etc (system configuration)'],
    ['/run', 'is runtime state and sockets'],
    ['/run/user/1000', 'is in /run (runtime state and sockets)'],
    ['/var/run', 'is runtime state and sockets'],
    ['/var/run/utmp', 'is in /var/run (runtime state and sockets)'],
    ['/proc', 'is kernel state'],
    ['/proc/1/environ', 'is in /proc (kernel state)'],
    ['/proc/self/fd', 'is in /proc (kernel state)'],
    ['/sys/kernel', 'is in /sys (kernel state)'],
    ['/dev', 'is devices'],
    ['/dev/sda', 'is in /dev (devices)'],
    ['/dev/fd', 'is in /dev (devices)'],
    ['/boot/vmlinuz', 'is in /boot (boot files)'],
    // directories that contain one of those
    ['/var', 'contains /var/run (runtime state and sockets)'],
    // homes, as a whole: the user's, /home, other users' (passwd, /home/*, /root), and what contains one
    ['/home/me', 'is your home directory'],
    ['/home', "is the users' home directories"],
    ['/home/bob', "is a user's home directory"],
    ['/root', "is a user's home directory"],
    ['/srv/alice', "is a user's home directory"],
    ['/srv', "contains /srv/alice (a user's home directory)"],
    // credentials under a home (and named by the environment), and what contains them
    ['/home/me/.ssh', 'is credentials'],
    ['/home/me/.ssh/id_rsa', 'is in /home/me/.ssh (credentials)'],
    ['/home/me/.gnupg/private-keys-v1.d/x.key', 'is in /home/me/.gnupg (credentials)'],
    ['/home/me/.aws/credentials', 'is in /home/me/.aws (credentials)'],
    ['/home/me/.docker/config.json', 'is in /home/me/.docker (credentials)'],
    ['/home/me/.kube/config', 'is in /home/me/.kube (credentials)'],
    ['/home/me/.config/gh/hosts.yml', 'is in /home/me/.config/gh (credentials)'],
    ['/home/me/.netrc', 'is credentials'],
    ['/home/me/.npmrc', 'is credentials'],
    ['/home/me/.pypirc', 'is credentials'],
    ['/home/me/.git-credentials', 'is credentials'],
    ['/home/me/.config/gcloud', 'is credentials'],
    ['/home/me/.azure/msal_token_cache.json', 'is in /home/me/.azure (credentials)'],
    ['/home/me/.password-store/x.gpg', 'is in /home/me/.password-store (credentials)'],
    ['/home/me/.local/share/keyrings/login.keyring', 'is in /home/me/.local/share/keyrings (credentials)'],
    ['/home/me/.config/containers/auth.json', 'is credentials'],
    ['/home/bob/.ssh/id_ed25519', 'is in /home/bob/.ssh (credentials)'],
    ['/root/.docker/config.json', 'is in /root/.docker (credentials)'],
    ['/work/kubeconfig', 'is credentials'],
    ['/work', 'contains /work/kubeconfig (credentials)'],
    ['/home/me/.config', 'contains /home/me/.config/gh (credentials)'],
    ['/home/me/.config/containers', 'contains /home/me/.config/containers/auth.json (credentials)'],
    ['/home/me/.local/share', 'contains /home/me/.local/share/keyrings (credentials)'],
    // what may be mounted
    ['/home/me/project', undefined],
    ['/home/me/project/in.mp4', undefined],
    ['/home/me/out.gif', undefined],
    ['/home/me/.sshd_config_backup', undefined],
    ['/home/me/.config/berth/config.json', undefined],
    ['/home/me/.cache/berth/home/jq', undefined],
    ['/home/bob/shared/file.txt', undefined],
    // (here, because the ssh agent's socket is in it)
    ['/tmp', 'contains /tmp/ssh-abc/agent.1 (a socket)'],
    ['/tmp/in.json', undefined],
    ['/srv/data', undefined],
    ['/var/lib/app/data.db', undefined],
    ['/usr/share/dict/words', undefined],
    ['/opt', undefined],
    ['/etcetera/file', undefined],
    ['/running', undefined],
  ];
  it.each(table)('%s %s', (p, why) => {
    expect(reason(p)).toBe(why);
  });

  it('refuses every credential path it knows of, in every home', () => {
    for (const home of ['/home/me', '/home/bob', '/root']) {
      for (const rel of HOME_CREDENTIALS) expect(reason(path.join(home, rel)), rel).toMatch(/^is (credentials|in .* \(credentials\))$|engine socket/);
    }
  });

  it('refuses any socket (S_ISSOCK), wherever it is', () => {
    expect(reason('/srv/data/app.sock', true)).toBe('is a socket');
    expect(reason('/srv/data/app.sock', false)).toBeUndefined();
    // What it is comes first.
    expect(reason('/var/run/docker.sock', true)).toBe('is an engine socket');
  });

  it('leaves the paths the container has its own of to the container', () => {
    for (const p of ['/dev/null', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/fd/0', '/dev/fd/12', '/proc/self/fd/1', '/dev/zero', '/dev/urandom', '/dev/tty']) {
      expect(isContainerOwn(p), p).toBe(true);
    }
    for (const p of ['/dev/sda', '/dev/fd', '/dev/fd/x', '/proc/self/environ', '/proc/1/fd/1', '/dev/null/x', '/dev/nullx']) expect(isContainerOwn(p), p).toBe(false);
  });

  it('says when a -v source hands the tool an engine socket, or any socket', () => {
    expect(socketRefusal('/var/run/docker.sock', rules)?.reason).toBe('is an engine socket');
    expect(socketRefusal('/run/podman', rules)?.reason).toBe('is an engine socket');
    expect(socketRefusal('/var/run', rules)?.reason).toBe('contains /var/run/docker.sock (an engine socket)');
    expect(socketRefusal('/run', rules.filter((r) => r.path !== '/run/docker.sock'))?.reason).toBe('contains /run/docker* (an engine socket)');
    expect(socketRefusal('/home/me/.docker', rules)?.reason).toBe('contains /home/me/.docker/run (an engine socket)');
    expect(socketRefusal('/srv/app.sock', rules, true)?.reason).toBe('is a socket');
    expect(socketRefusal('/etc', rules)?.reason).toBeUndefined();
    expect(socketRefusal('/srv/data', rules)?.reason).toBeUndefined();
  });

  it('counts login accounts of /etc/passwd as homes (root, uid 1000 and above, not nobody)', () => {
    const text = [
      'root:x:0:0:root:/root:/bin/bash',
      'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
      'me:x:1000:1000:Me:/home/me:/bin/bash',
      'alice:x:1001:1001::/srv/alice/:/bin/sh',
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
      'odd:x:1002:1002::/:/bin/sh',
      'rel:x:1003:1003::relative:/bin/sh',
      'broken line',
      '',
    ].join('\n');
    expect(passwdHomes(text)).toEqual(['/root', '/home/me', '/srv/alice']);
  });
});

describe("the host's facts", () => {
  it('takes HOME, XDG_RUNTIME_DIR, credential variables and the engine socket from the environment', () => {
    const ctx = policyContext(
      {
        HOME: '/nowhere/me',
        XDG_RUNTIME_DIR: '/run/user/4321',
        XDG_CONFIG_HOME: '/nowhere/conf',
        DOCKER_CONFIG: '/nowhere/dc',
        KUBECONFIG: '/nowhere/k1:relative:/nowhere/k2',
        DOCKER_HOST: 'unix:///nowhere/engine.sock',
        SSH_AUTH_SOCK: '/tmp/ssh-x/agent.9',
        XDG_CACHE_HOME: '/nowhere/cache',
      },
      'unix:///nowhere/context.sock',
    );
    expect(ctx.home).toEqual(['/nowhere/me']);
    expect(ctx.homes).toContain('/root');
    expect(ctx.runtimeDir).toEqual(['/run/user/4321']);
    expect(ctx.credentials).toEqual(expect.arrayContaining(['/nowhere/dc', '/nowhere/k1', '/nowhere/k2', '/nowhere/conf/gh', '/nowhere/conf/containers/auth.json']));
    expect(ctx.credentials).not.toContain('relative');
    expect(ctx.engineSockets).toEqual(expect.arrayContaining(['/nowhere/context.sock', '/nowhere/engine.sock']));
    expect(ctx.sockets).toEqual(expect.arrayContaining(['/nowhere/cache/berth/warm/sockets', '/tmp/ssh-x/agent.9']));
    // The default socket when the engine's address is not known.
    expect(policyContext({ HOME: '/nowhere/me' }).engineSockets).toContain('/var/run/docker.sock');
  });
});

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

describe('files berth makes for the tool', () => {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-made-')));
  const mount = (name: string): Mount => ({ source: path.join(dir, name), target: path.join(dir, name), readOnly: false, create: true });

  it("makes each file empty, with the user's umask, and removes it afterwards when left untouched", () => {
    const made = makeCreatedFiles([mount('a'), { source: dir, target: dir, readOnly: false }]);
    const st = statSync(path.join(dir, 'a'));
    const umask = process.umask();
    expect([st.size, st.uid, st.mode & 0o777]).toEqual([0, process.getuid!(), 0o666 & ~umask]);
    made.cleanup();
    expect(existsSync(path.join(dir, 'a'))).toBe(false);
  });

  it('keeps a file the tool wrote, truncated (touched) or replaced', () => {
    const made = makeCreatedFiles([mount('written'), mount('touched'), mount('replaced')]);
    writeFileSync(path.join(dir, 'written'), 'output');
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(dir, 'touched'), later, later);
    writeFileSync(path.join(dir, 'replaced.new'), '');
    // (renamed over it: a new inode)
    renameSync(path.join(dir, 'replaced.new'), path.join(dir, 'replaced'));
    made.cleanup();
    expect(readFileSync(path.join(dir, 'written'), 'utf8')).toBe('output');
    expect(existsSync(path.join(dir, 'touched'))).toBe(true);
    expect(existsSync(path.join(dir, 'replaced'))).toBe(true);
  });

  it('never takes over a file that appeared since the plan: the run stops (125), the file stays, the others made are removed', () => {
    writeFileSync(path.join(dir, 'theirs'), '');
    expect(() => makeCreatedFiles([mount('mine'), mount('theirs')])).toThrow(/^cannot make \S+\/theirs for the tool to write: something appeared there since berth looked$/);
    expect(existsSync(path.join(dir, 'theirs'))).toBe(true);
    expect(existsSync(path.join(dir, 'mine'))).toBe(false);
  });
});
