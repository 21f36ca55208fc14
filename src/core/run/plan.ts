import { existsSync, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { homedir, hostname } from 'node:os';
import path from 'node:path';
import { EngineError, UsageError } from '../../platform/errors.js';
import { shortHash } from '../../platform/short-hash.js';
import { currentUser, isForeign, othersCanReplace } from '../../platform/file-safety.js';
import type { PullPolicy } from '../../platform/settings.js';
import type { Recipe } from '../recipes/schema.js';
import { identityFiles, toolHome, type Identity } from './identity.js';
import { RUN_SOCKET } from '../../platform/paths.js';
import { LABELS } from '../labels.js';
import { caEnv, HOST_CA_TARGET, proxyEnv } from '../host-trust.js';
import { ENV_NAME_PATTERN } from '../patterns.js';
import { directoryEntries, privateDirectory, realPathOr, writePrivateFile } from '../../platform/files.js';
import { ENGINE_SOCKET, isContainerOwn, judgePath, pathRules, policyContext, socketRefusal, within, type PolicyContext, type Rule } from './path-policy.js';

/** What the user asked for on the command line, besides the tool and its arguments. */
export interface RunOptions {
  version?: string;
  image?: string;
  env?: string[];
  volumes?: string[];
  network?: 'none' | 'bridge' | 'host';
  tty?: boolean;
  pathMounts?: boolean;
  /** Give a tool with network the host's CA certificates (default: on; --no-host-ca, the hostCa setting). */
  hostCa?: boolean;
  /** The image's platform to run (os/arch[/variant]): --platform, else the toolPlatforms setting. */
  platform?: string;
}

/** A `berth run` as asked for (flags, shim or command): the plan's options and how to run it. */
export interface RunRequest extends RunOptions {
  tool: string;
  args: string[];
  pull?: PullPolicy;
  quiet?: boolean;
  /** --base: what a build recipe's image is built FROM instead of its build.from. */
  base?: string;
  /** --bin: a package spec's command, when not the package's own. */
  bin?: string;
  warm?: boolean;
}

/** Facts about the invoking side that shape the container. */
export interface Host {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** The terminal's size, when stdout is one. */
  terminalSize?: [rows: number, columns: number];
  /** The invoking user (undefined: none, as for `user: image`). */
  identity?: Identity;
  /** The engine maps uid 0 to the user (rootless): no uid or passwd entry is given. */
  rootless?: boolean;
  /** The engine is rootless Podman, whose `keep-id` maps the user's uid to itself. */
  keepId?: boolean;
  /** The path policy's facts (path-policy.ts), when not read from the host. */
  policy?: () => PolicyContext;
  /** berth's copy of the host's CA certificates (core/host-trust.ts), asked only for a tool with network. */
  caBundle?: () => string | undefined;
  /** Where warnings go (one line each): an engine socket mounted with -v. */
  warn?: (line: string) => void;
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  /**
   * A file to be written that berth makes (empty, as the user) just before the run and mounts
   * alone, and removes after it when the tool left it empty and untouched (run-tool.ts).
   */
  create?: boolean;
}

/** Everything needed to create the container; also printed as `docker run` by --dry-run. */
export interface RunPlan {
  tool: string;
  version: string;
  image: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
  mounts: Mount[];
  workdir: string;
  user?: string;
  /**
   * Rootless Podman's `keep-id`: the user's uid and gid are theirs in the container too. Never
   * for `user: image`: keep-id also makes the user's uid the container's default user.
   */
  userns?: 'keep-id';
  network: 'none' | 'bridge' | 'host';
  tty: boolean;
  /**
   * Whether the tool reads berth's stdin: always without a TTY; with one only when stdin is a
   * terminal too (a TTY forced on over a pipe or file would hang up at its end, before the tool
   * has written anything), as `docker run -t` without `-i`.
   */
  stdin: boolean;
  /** The TTY's initial size (engines from API 1.42 take it at create). */
  consoleSize?: [number, number];
  labels: Record<string, string>;
  /** The platform asked for (--platform, toolPlatforms); undefined: the engine's own. */
  platform?: string;
}

/** Host variables that describe the terminal and locale: passed when set, like a native tool sees them. */
const PASSED_ENV = /^(TERM|LANG|LC_[A-Z_]+|TZ|COLORTERM|NO_COLOR)$/;

export function planRun(recipe: Recipe, image: string, args: string[], options: RunOptions, host: Host): RunPlan {
  const version = options.version ?? recipe.version;
  const env: string[] = [];
  const seen = new Set<string>();
  const add = (key: string, value: string | undefined) => {
    if (value === undefined || seen.has(key)) return;
    seen.add(key);
    env.push(`${key}=${value}`);
  };
  for (const spec of options.env ?? []) {
    const eq = spec.indexOf('=');
    const key = eq === -1 ? spec : spec.slice(0, eq);
    if (!ENV_NAME_PATTERN.test(key)) throw new UsageError(`-e ${spec}: "${key}" is not a variable name`);
    add(key, eq === -1 ? host.env[key] : spec.slice(eq + 1));
  }
  for (const key of recipe.env) add(key, host.env[key]);
  // The host's proxies and CA trust, for a tool that reaches the network (core/host-trust.ts);
  // what -e or the recipe passed comes first and wins.
  const network = options.network ?? recipe.network;
  const bundle = network !== 'none' && options.hostCa !== false ? host.caBundle?.() : undefined;
  if (network !== 'none') for (const [key, value] of proxyEnv(host.env)) add(key, value);
  if (bundle) for (const [key, value] of caEnv()) add(key, value);
  for (const key of Object.keys(host.env).sort()) if (PASSED_ENV.test(key)) add(key, host.env[key]);

  if (host.cwd === '/') {
    throw new UsageError('the current directory is /: berth mounts the current directory into the tool, never the whole filesystem; cd to a directory of your own first');
  }
  const mounts: Mount[] = [{ source: host.cwd, target: host.cwd, readOnly: false }];
  if (bundle) mounts.push({ source: bundle, target: HOST_CA_TARGET, readOnly: true });
  const hostUser = recipe.user === 'host' ? host.identity : undefined;
  // On a rootless engine uid 0 in the container is the user already: no uid, no passwd entry;
  // the tool's HOME and its home entries all the same.
  const identity = host.rootless ? undefined : hostUser;
  if (hostUser) {
    // The tool's HOME at its own path (see toolHome); already there when the current directory
    // holds it. A project's recipe gets a HOME of its own: it never sees what the recipe it
    // replaces kept in its HOME (a token, say).
    const homeName = recipe.source === 'project' ? `${recipe.name}.project-${shortHash(path.dirname(recipe.file))}` : recipe.name;
    const home = toolHome(homeName, host.env);
    if (/[:\n]/.test(home)) {
      throw new EngineError(`the tool's HOME, ${JSON.stringify(home)}, has a ":" or a newline, which a passwd entry cannot hold; set XDG_CACHE_HOME to another directory`);
    }
    if (identity) {
      const files = identityFiles(identity, homeName, home, host.env);
      mounts.push({ source: files.passwd, target: '/etc/passwd', readOnly: true });
      mounts.push({ source: files.group, target: '/etc/group', readOnly: true });
    }
    if (!within(home, host.cwd)) mounts.push({ source: home, target: home, readOnly: false });
    for (const entry of recipe.home) mounts.push(...homeEntryMount(entry, home, host.env));
    add('HOME', home);
    add('USER', hostUser.name);
  }
  let context: PolicyContext | undefined;
  const policy = () => (context ??= host.policy?.() ?? policyContext(host.env));
  for (const spec of options.volumes ?? []) {
    const mount = parseVolume(spec, host.cwd);
    const warning = volumeSocketWarning(spec, mount.source, policy);
    if (warning) host.warn?.(warning);
    mounts.push(mount);
  }
  if (options.pathMounts !== false) mounts.push(...pathMounts(args, host.cwd, mounts, policy));

  const tty =
    options.tty ?? (recipe.tty === 'always' ? true : recipe.tty === 'never' ? false : host.stdinIsTTY && host.stdoutIsTTY);
  const [entrypoint, cmd] = recipe.script
    ? [['/bin/sh', '-c', recipe.script, recipe.name], args]
    : [recipe.entrypoint ?? [], [...recipe.args, ...args]];

  return {
    tool: recipe.name,
    version,
    image,
    entrypoint,
    cmd,
    env,
    mounts,
    workdir: host.cwd,
    user: identity ? `${identity.uid}:${identity.gid}` : undefined,
    userns: host.keepId && recipe.user !== 'image' ? 'keep-id' : undefined,
    network,
    tty,
    stdin: !tty || host.stdinIsTTY,
    consoleSize: tty ? host.terminalSize : undefined,
    platform: options.platform,
    labels: {
      [LABELS.managed]: 'true',
      [LABELS.tool]: recipe.name,
      [LABELS.version]: version,
      [LABELS.pid]: String(process.pid),
      [LABELS.run]: RUN_SOCKET,
      [LABELS.host]: hostname(),
      [LABELS.uid]: String(process.getuid!()),
    },
  };
}

/** `-v HOST:CONTAINER[:ro]`; the host side must exist: the engine never creates it as root. */
export function parseVolume(spec: string, cwd: string): Mount {
  const parts = spec.split(':');
  const mode = parts.length === 3 ? parts[2] : undefined;
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1] || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    throw new UsageError(`-v ${spec}: expected HOST:CONTAINER or HOST:CONTAINER:ro`);
  }
  const source = path.resolve(cwd, parts[0]);
  if (!existsSync(source)) throw new UsageError(`-v ${spec}: ${source} does not exist`);
  if (!parts[1].startsWith('/')) throw new UsageError(`-v ${spec}: the container path must be absolute`);
  return { source, target: parts[1], readOnly: mode === 'ro' };
}

/**
 * A recipe's `home:` entry (`.aws`, `.kube/config`, `:rw` to write): the user's real file or
 * directory, mounted at the same place in the tool's HOME, read-only unless the recipe says rw.
 * One the user does not have is left out. Its mount point is made by berth, as the user, inside
 * the tool's HOME (berth's cache), so the engine makes nothing there as root.
 */
function homeEntryMount(entry: string, toolHomeDir: string, env: NodeJS.ProcessEnv): Mount[] {
  const rw = entry.endsWith(':rw');
  const relative = rw ? entry.slice(0, -':rw'.length) : entry;
  let source: string;
  let stats: Stats;
  try {
    source = realpathSync(path.join(env.HOME || homedir(), relative));
    stats = statSync(source);
  } catch {
    return [];
  }
  const target = path.join(toolHomeDir, relative);
  if (stats.isDirectory()) privateDirectory(target);
  else {
    privateDirectory(path.dirname(target));
    if (!existsSync(target)) writePrivateFile(target, '');
  }
  return [{ source, target, readOnly: !rw }];
}

/**
 * The stderr line for a `-v` that hands the tool an engine socket (or any socket), if it does. A
 * directory is said to hold one only when it does (a home without Docker Desktop holds no
 * ~/.docker/run).
 */
function volumeSocketWarning(spec: string, source: string, policy: () => PolicyContext): string | undefined {
  let socket = false;
  let real = source;
  try {
    socket = statSync(source).isSocket();
    real = realpathSync.native(source);
  } catch {
    // parseVolume has checked it exists; a race is the engine's to report
  }
  const rules = pathRules(policy());
  const found = [source, real].map((p) => socketRefusal(p, rules, socket, present)).find(Boolean);
  if (!found) return undefined;
  const consequence = found.rule.what === ENGINE_SOCKET ? 'the tool can control the engine, and so this machine' : 'the tool can talk to what listens on it';
  return `warning: -v ${spec}: ${source} ${found.reason}: ${consequence}`;
}

/** Something is at a rule's path (for a prefix: a name in its directory starts with it). */
function present(rule: Rule): boolean {
  if (rule.scope !== 'prefix') return existsSync(rule.path);
  const base = path.basename(rule.path);
  return directoryEntries(path.dirname(rule.path)).some((name) => name.startsWith(base));
}

/** The one-line refusal of a path argument, with the -v that would mount it anyway. */
function refusal(named: string, real: string, judged: string, reason: string, suggestion: string): UsageError {
  const what = judged === named ? named : `${named} (-> ${real})`;
  return new UsageError(`${what} ${reason}: not mounted (mount it yourself with -v ${suggestion} if you mean it, or --no-path-mounts)`);
}

/**
 * The mounts that make the paths named among the tool's arguments mean inside what they mean
 * outside, judged by the path policy (path-policy.ts); a refused path throws (exit 125) before
 * anything starts.
 *
 * Which arguments: absolute and `..` paths (also as `--flag=VALUE`), and other relative ones only
 * when a symlink on the way leads elsewhere. Each is resolved (realpath; for a file not yet
 * there, its directory's): when the named path and its real path are both visible already
 * (inside the current directory or another same-path mount), nothing is mounted. Otherwise:
 *
 * - an existing file or directory: its real path is mounted at the named path, or, when the
 *   named path is visible already (a symlink inside the current directory), at its real path,
 *   where the symlink leads inside as outside. Both the named and the real path are judged.
 * - a file to be written: its directory is mounted when that is the user's own (owned by the
 *   user, not group- or world-writable) and the policy allows it; otherwise berth makes the
 *   empty file itself just before the run and mounts only it (`create`; run-tool.ts removes it
 *   afterwards if the tool left it untouched). A missing file right under / is the image's
 *   business (`cat /marker`): nothing is mounted for it.
 * - /dev/null, /dev/stdin, /dev/fd/N and the like: the container has its own.
 *
 * `existing`: the mounts made before (the current directory, HOME, -v); `owner`: the user's uid.
 */
export function pathMounts(args: string[], cwd: string, existing: Mount[], policy: () => PolicyContext, owner = process.getuid?.() ?? -1): Mount[] {
  const mounts: Mount[] = [];
  // The mounts that show the host's files at their own paths: each with the real path of what
  // it shows. The same-path ones made before, and every one made here (real at named).
  const views = existing.filter((m) => m.source === m.target).map((m) => ({ ...m, real: realPathOr(m.source) }));
  const all = () => [...existing, ...mounts];
  // How `named` (real path `real`) looks inside: 'same' when it is a mount's target, or in a
  // view and leads to the same file; 'elsewhere' when in a view but a symlink leads out of it;
  // 'absent' when in none. `writing`: a directory the tool is to write in, which needs a writable view.
  const inside = (named: string, real: string, writing: boolean): 'same' | 'elsewhere' | 'absent' => {
    if (all().some((m) => m.target === named)) return 'same';
    const holding = views.filter((v) => (!writing || !v.readOnly) && within(named, v.target));
    if (holding.length === 0) return 'absent';
    return holding.some((v) => within(real, v.real)) ? 'same' : 'elsewhere';
  };
  // A real path is visible at itself when a view whose target is its own real path holds it.
  const realVisible = (real: string, writing: boolean) => views.some((v) => (!writing || !v.readOnly) && v.real === v.target && within(real, v.target));
  let rules: Rule[] | undefined;
  const judge = (p: string, socket = false) => judgePath(p, (rules ??= pathRules(policy())), socket);
  const add = (mount: Mount) => {
    if (all().some((m) => m.target === mount.target)) return;
    mounts.push(mount);
    if (!mount.create) views.push({ ...mount, real: mount.source });
  };
  /**
   * Where the tool needs `real` shown so that `named` works inside (undefined: it works already),
   * and the paths to judge for it: the named path when the mount goes there, the real path unless
   * already visible.
   */
  const place = (named: string, real: string, writing: boolean): { target: string; judged: string[] } | undefined => {
    const seen = inside(named, real, writing);
    if (seen === 'same') return undefined;
    if (seen === 'elsewhere') return realVisible(real, writing) ? undefined : { target: real, judged: [real] };
    return { target: named, judged: realVisible(real, writing) || real === named ? [named] : [named, real] };
  };

  for (const arg of args) {
    const value = arg.startsWith('-') ? (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : '') : arg;
    if (!value) continue;
    const explicit = value.startsWith('/') || value === '..' || value.startsWith('../');
    const named = path.resolve(cwd, value);
    if (isContainerOwn(named)) continue;

    let real: string;
    let exists = true;
    try {
      real = realpathSync.native(named);
    } catch {
      // A file to be written: its directory must exist (a dangling symlink is left alone).
      if (lstatOrUndefined(named)) continue;
      exists = false;
      try {
        const dir = realpathSync.native(path.dirname(named));
        if (!statSync(dir).isDirectory()) continue;
        real = path.join(dir, path.basename(named));
      } catch {
        continue;
      }
    }
    // A relative argument matters only when a symlink leads out of where it is.
    if (!explicit && real === named) continue;

    if (exists) {
      const where = place(named, real, false);
      if (!where) continue;
      const stats = statSync(real);
      for (const p of where.judged) {
        const refused = judge(p, stats.isSocket());
        if (refused) throw refusal(named, real, p, refused.reason, `${where.target}:${where.target}`);
      }
      const swappable = swapRisk(real, stats);
      if (swappable) throw refusal(named, real, real, swappable, `${where.target}:${where.target}`);
      add({ source: real, target: where.target, readOnly: false });
      continue;
    }

    // A file to be written, at `real` once the tool writes `named`: its directory must be there.
    // One right under / that the host lacks is the image's (`cat /marker`): left to it.
    const namedDir = path.dirname(named);
    const realDir = path.dirname(real);
    if (namedDir === '/' || realDir === '/') continue;
    const where = place(namedDir, realDir, true);
    if (!where) continue;
    const target = path.join(where.target, path.basename(named));
    for (const p of where.judged.map((dir) => path.join(dir, path.basename(named)))) {
      const refused = judge(p);
      if (refused) throw refusal(named, real, p, refused.reason, `${where.target}:${where.target}`);
    }
    // The directory when it is the user's own and allowed, else only the file, made by berth,
    // and only where no one else can swap it for a link before the engine mounts it.
    if (ownDirectory(realDir, owner) && where.judged.every((dir) => !judge(dir))) add({ source: realDir, target: where.target, readOnly: false });
    else {
      const swappable = swapRisk(real);
      if (swappable) throw refusal(named, real, real, swappable, `${realDir}:${realDir}`);
      add({ source: real, target, readOnly: false, create: true });
    }
  }
  return mounts;
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Why another user could swap `file` for a link between berth's check and the engine's mount
 * (which follows links, as root on a rootful engine): its directory is theirs, or lets others
 * replace entries (no sticky bit), or, in a sticky one such as /tmp, the file is theirs.
 * undefined when only the user (or root) can. `stats`: the file's, when it exists.
 */
function swapRisk(file: string, stats?: Stats): string | undefined {
  const user = currentUser();
  const dir = path.dirname(file);
  let dirStats: Stats;
  try {
    dirStats = statSync(dir);
  } catch {
    return undefined;
  }
  const swap = 'could swap it for a link to your files before it is mounted';
  if (isForeign(dirStats.uid, user)) return `is in ${dir}, whose owner (uid ${dirStats.uid}) ${swap}`;
  const replace = othersCanReplace(dir, dirStats, user);
  if (replace) return `is in a directory others can write (${replace}): they ${swap}`;
  if (stats && isForeign(stats.uid, user)) return `belongs to uid ${stats.uid}, who ${swap}`;
  return undefined;
}

/** A directory only its owner can write to, and that owner is the user. */
function ownDirectory(dir: string, owner: number): boolean {
  try {
    const st = statSync(dir);
    return st.isDirectory() && st.uid === owner && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}
