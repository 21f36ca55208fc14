import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOME_CREDENTIALS, isContainerOwn, judgePath, passwdHomes, pathRules, policyContext, socketRefusal, type PolicyContext } from '../../../../src/core/run/path-policy.js';

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
