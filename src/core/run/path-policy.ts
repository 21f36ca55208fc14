import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { warmSocketsDirectory } from '../../platform/paths.js';

/**
 * Which paths berth may mount on its own because the tool's arguments name them (pathMounts in
 * plan.ts): one table of rules, built from the facts in a PolicyContext, and judgePath, which
 * checks a path against it. Both are pure; policyContext gathers the facts from the host.
 *
 * A rule names a path and how far it reaches:
 *
 * - `tree`: the path and everything under it (/etc, ~/.ssh);
 * - `itself`: the path only (a home directory: the user's files in it may be mounted one by one);
 * - `prefix`: every path that starts with the string (/run/docker: docker.sock, docker/, ...).
 *
 * Whatever the scope, a directory that contains a rule's path is refused too: mounting /var
 * would mount /var/run, /home every home.
 *
 * Explicit `-v` mounts are the user's own choice and are not judged here; engineSocketReason
 * says when one of them hands the tool an engine socket (berth warns).
 */

export type RuleKind = 'root' | 'socket' | 'system' | 'home' | 'credentials';

export interface Rule {
  path: string;
  scope: 'tree' | 'itself' | 'prefix';
  kind: RuleKind;
  /** What the path is, for the message: "an engine socket", "system configuration". */
  what: string;
}

/** The facts the rules are made of (all absolute paths). */
export interface PolicyContext {
  /** The user's home directories: $HOME and, when it differs, its real path. */
  home: string[];
  /** Other users' homes: login accounts in /etc/passwd, /home/*, /root (and their real paths). */
  homes: string[];
  /** $XDG_RUNTIME_DIR, when set (and its real path). */
  runtimeDir: string[];
  /** Credential files and directories named by the environment (DOCKER_CONFIG, KUBECONFIG, XDG_CONFIG_HOME/gh, ...). */
  credentials: string[];
  /** The engine's own socket (DOCKER_HOST, the docker context, CONTAINER_HOST), when a unix socket. */
  engineSockets: string[];
  /** Other sockets that must not be shared: berth's warm-container sockets, the ssh agent's. */
  sockets: string[];
}

/** Paths the container has its own of, meaning the same thing: never mounted, never refused. */
const CONTAINER_OWN = /^\/dev\/(null|zero|full|random|urandom|tty|stdin|stdout|stderr)$|^\/dev\/fd\/\d+$|^\/proc\/self\/fd\/\d+$/;

export function isContainerOwn(p: string): boolean {
  return CONTAINER_OWN.test(p);
}

/** Credential files and directories under a home directory, relative to it. */
export const HOME_CREDENTIALS: readonly string[] = [
  '.ssh',
  '.gnupg',
  '.aws',
  '.docker',
  '.kube',
  '.config/gh',
  '.config/hub',
  '.config/gcloud',
  '.config/containers/auth.json',
  '.config/git/credentials',
  '.config/op',
  '.config/doctl',
  '.config/rclone',
  '.azure',
  '.oci',
  '.password-store',
  '.local/share/keyrings',
  '.netrc',
  '.npmrc',
  '.yarnrc.yml',
  '.pypirc',
  '.git-credentials',
  '.pgpass',
  '.my.cnf',
  '.vault-token',
  '.terraform.d/credentials.tfrc.json',
  '.terraformrc',
  '.cargo/credentials',
  '.cargo/credentials.toml',
  '.gem/credentials',
  '.m2/settings.xml',
  '.gradle/gradle.properties',
  '.s3cfg',
  '.boto',
];

/** Where container engines keep their sockets, under a home directory (Docker Desktop, colima, Lima, Rancher Desktop, OrbStack, podman machine). */
const HOME_ENGINE_SOCKETS: readonly string[] = [
  '.docker/run',
  '.docker/desktop',
  '.colima',
  '.lima',
  '.rd',
  '.orbstack',
  '.local/share/containers/podman',
  'Library/Containers/com.docker.docker',
];

/** Engine sockets under $XDG_RUNTIME_DIR (rootless docker, podman, containerd, buildkit). */
const RUNTIME_ENGINE_SOCKETS: readonly string[] = ['docker.sock', 'docker', 'podman', 'containerd', 'buildkit'];

export const ENGINE_SOCKET = 'an engine socket';
const CREDENTIALS = 'credentials';

/** The rules, in the order they are tried: the first that matches gives the reason. */
export function pathRules(ctx: PolicyContext): Rule[] {
  const rules: Rule[] = [{ path: '/', scope: 'itself', kind: 'root', what: 'the filesystem root' }];
  const socket = (p: string, scope: Rule['scope'] = 'tree', what = ENGINE_SOCKET) => rules.push({ path: p, scope, kind: 'socket', what });
  for (const p of ctx.engineSockets) socket(p);
  for (const dir of ['/run', '/var/run']) {
    socket(`${dir}/docker`, 'prefix');
    for (const name of ['podman', 'containerd', 'crio', 'buildkit', 'cri-dockerd.sock', 'k3s']) socket(`${dir}/${name}`);
  }
  for (const dir of ctx.runtimeDir) for (const name of RUNTIME_ENGINE_SOCKETS) socket(path.join(dir, name));
  for (const home of ctx.home) for (const rel of HOME_ENGINE_SOCKETS) socket(path.join(home, rel));
  for (const p of ctx.sockets) socket(p, 'tree', 'a socket');

  const system = (p: string, what: string) => rules.push({ path: p, scope: 'tree', kind: 'system', what });
  system('/etc', 'system configuration');
  system('/run', 'runtime state and sockets');
  system('/var/run', 'runtime state and sockets');
  system('/proc', 'kernel state');
  system('/sys', 'kernel state');
  system('/dev', 'devices');
  system('/boot', 'boot files');

  for (const home of ctx.home) rules.push({ path: home, scope: 'itself', kind: 'home', what: 'your home directory' });
  rules.push({ path: '/home', scope: 'itself', kind: 'home', what: "the users' home directories" });
  for (const home of ctx.homes) rules.push({ path: home, scope: 'itself', kind: 'home', what: "a user's home directory" });

  for (const p of ctx.credentials) rules.push({ path: p, scope: 'tree', kind: 'credentials', what: CREDENTIALS });
  for (const home of [...ctx.home, ...ctx.homes]) {
    for (const rel of HOME_CREDENTIALS) rules.push({ path: path.join(home, rel), scope: 'tree', kind: 'credentials', what: CREDENTIALS });
  }
  return rules;
}

/** `p` is `dir` or inside it. */
export function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);
}

function matches(p: string, rule: Rule): boolean {
  if (rule.scope === 'itself') return p === rule.path;
  if (rule.scope === 'prefix') return p.startsWith(rule.path);
  return within(p, rule.path);
}

/** `p` is a directory above the rule's path (for a prefix: the directory the names are in, or above it). */
function contains(p: string, rule: Rule): boolean {
  if (rule.scope === 'prefix') return within(path.dirname(rule.path), p);
  return p !== rule.path && within(rule.path, p);
}

export interface Refusal {
  rule: Rule;
  /** Why, after the path: "is an engine socket", "is in /etc (system configuration)", "contains /home/me (your home directory)". */
  reason: string;
}

/**
 * Whether berth may mount `p` (an absolute, normalized path) on its own: undefined when it may,
 * else the rule that refuses it. `socket`: the path is a socket (S_ISSOCK). A path is judged by
 * what it is or is in first (the table's order), then by what it contains (the nearest).
 */
export function judgePath(p: string, rules: readonly Rule[], socket = false): Refusal | undefined {
  for (const rule of rules) {
    if (!matches(p, rule)) continue;
    const inside = rule.scope === 'tree' && p !== rule.path;
    return { rule, reason: inside ? `is in ${rule.path} (${rule.what})` : `is ${rule.what}` };
  }
  if (socket) return { rule: { path: p, scope: 'itself', kind: 'socket', what: 'a socket' }, reason: 'is a socket' };
  // Of what it contains, the nearest says most (/tmp contains the home, more than a socket in
  // it); then the table's order.
  const depth = (r: Rule) => r.path.split('/').length;
  let nearest: Rule | undefined;
  for (const rule of rules) if (contains(p, rule) && (!nearest || depth(rule) < depth(nearest))) nearest = rule;
  if (!nearest) return undefined;
  return { rule: nearest, reason: `contains ${nearest.scope === 'prefix' ? `${nearest.path}*` : nearest.path} (${nearest.what})` };
}

/**
 * Whether a mount source hands the tool an engine or other socket (for the `-v` warning): it is
 * a socket, or is, is in, or contains a known socket location (the rule says which). `present`
 * says whether something is at a rule's path: a directory counts as holding a socket only when
 * it does.
 */
export function socketRefusal(p: string, rules: readonly Rule[], socket = false, present: (rule: Rule) => boolean = () => true): Refusal | undefined {
  const sockets = rules.filter((r) => r.kind === 'socket');
  const refusal = judgePath(p, sockets, socket);
  if (!refusal?.reason.startsWith('contains ')) return refusal;
  const held = sockets.find((rule) => contains(p, rule) && present(rule));
  return held && { rule: held, reason: `contains ${held.scope === 'prefix' ? `${held.path}*` : held.path} (${held.what})` };
}

/** An absolute path and, when it differs and exists, its real path. */
function withRealPath(p: string): string[] {
  try {
    const real = realpathSync.native(p);
    return real === p ? [p] : [p, real];
  } catch {
    return [p];
  }
}

/** Homes of login accounts (uid 0, or 1000 and above but not nobody) in a passwd file's text. */
export function passwdHomes(text: string): string[] {
  const homes: string[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7) continue;
    const uid = Number(fields[2]);
    const home = fields[5]!;
    if (!(uid === 0 || (uid >= 1000 && uid !== 65534)) || !home.startsWith('/') || home === '/') continue;
    homes.push(path.resolve(home));
  }
  return homes;
}

/** The unix socket path of an engine address (`unix:///run/docker.sock`), if it is one. */
function unixSocket(address: string | undefined): string | undefined {
  if (!address?.startsWith('unix://')) return undefined;
  const p = address.slice('unix://'.length);
  return path.isAbsolute(p) ? path.resolve(p) : undefined;
}

/**
 * The host's facts for the rules: read once per run, and only when an argument names a path
 * outside what is mounted already. `engineEndpoint` is the engine's address (DOCKER_HOST or the
 * docker context's); undefined: the default socket, /var/run/docker.sock.
 */
export function policyContext(env: NodeJS.ProcessEnv, engineEndpoint?: string): PolicyContext {
  const absolute = (p: string | undefined) => (p && path.isAbsolute(p) ? path.resolve(p) : undefined);
  const homeDir = absolute(env.HOME) ?? homedir();
  const home = withRealPath(homeDir);
  const others = new Set<string>(['/root']);
  try {
    for (const h of passwdHomes(readFileSync('/etc/passwd', 'utf8'))) others.add(h);
  } catch {
    // no passwd file: /home and /root still count
  }
  try {
    for (const entry of readdirSync('/home', { withFileTypes: true })) if (entry.isDirectory()) others.add(path.join('/home', entry.name));
  } catch {
    // no /home
  }
  const homes = [...others].flatMap(withRealPath).filter((h) => !home.includes(h));

  const configHome = absolute(env.XDG_CONFIG_HOME);
  const dataHome = absolute(env.XDG_DATA_HOME);
  const credentials = [
    env.DOCKER_CONFIG,
    env.GNUPGHOME,
    env.PASSWORD_STORE_DIR,
    env.CLOUDSDK_CONFIG,
    env.AZURE_CONFIG_DIR,
    env.AWS_SHARED_CREDENTIALS_FILE,
    env.AWS_CONFIG_FILE,
    env.NPM_CONFIG_USERCONFIG,
    ...(env.KUBECONFIG ?? '').split(':'),
    ...(configHome ? ['gh', 'hub', 'gcloud', 'containers/auth.json', 'git/credentials', 'op', 'doctl', 'rclone'].map((rel) => path.join(configHome, rel)) : []),
    ...(dataHome ? [path.join(dataHome, 'keyrings')] : []),
  ]
    .map(absolute)
    .filter((p): p is string => p !== undefined)
    .flatMap(withRealPath);

  const engineSockets = [unixSocket(engineEndpoint ?? 'unix:///var/run/docker.sock'), unixSocket(env.DOCKER_HOST), unixSocket(env.CONTAINER_HOST)]
    .filter((p): p is string => p !== undefined)
    .flatMap(withRealPath);
  const sockets = [warmSocketsDirectory(env), '/tmp/.X11-unix', absolute(env.SSH_AUTH_SOCK)]
    .filter((p): p is string => p !== undefined)
    .flatMap(withRealPath);
  const runtimeDir = [absolute(env.XDG_RUNTIME_DIR)].filter((p): p is string => p !== undefined).flatMap(withRealPath);
  return { home, homes, runtimeDir, credentials, engineSockets, sockets };
}
