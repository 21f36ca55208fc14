import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { Recipe } from '../recipes/schema.js';
import { identityFiles, toolHome, type Identity } from './identity.js';
import { RUN_LABEL, RUN_SOCKET } from './run-id.js';

/** What the user asked for on the command line, besides the tool and its arguments. */
export interface RunOptions {
  version?: string;
  image?: string;
  env?: string[];
  volumes?: string[];
  network?: 'none' | 'bridge' | 'host';
  tty?: boolean;
  pathMounts?: boolean;
}

/** Facts about the invoking side that shape the container. */
export interface Host {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** The terminal's size, when stdout is one. */
  terminalSize?: [rows: number, columns: number];
  /** undefined for `user: image`; rootless engines also run without remapping. */
  identity?: Identity;
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
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
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new InputError(`berth: -e ${spec}: "${key}" is not a variable name`, undefined, undefined, 125);
    add(key, eq === -1 ? host.env[key] : spec.slice(eq + 1));
  }
  for (const key of recipe.env) add(key, host.env[key]);
  for (const key of Object.keys(host.env).sort()) if (PASSED_ENV.test(key)) add(key, host.env[key]);

  const mounts: Mount[] = [{ source: host.cwd, target: host.cwd, readOnly: false }];
  const identity = recipe.user === 'host' ? host.identity : undefined;
  if (identity) {
    const files = identityFiles(identity, host.env);
    mounts.push({ source: files.passwd, target: '/etc/passwd', readOnly: true });
    mounts.push({ source: files.group, target: '/etc/group', readOnly: true });
    mounts.push({ source: toolHome(recipe.name, host.env), target: identity.home, readOnly: false });
    add('HOME', identity.home);
    add('USER', identity.name);
  }
  for (const spec of options.volumes ?? []) mounts.push(parseVolume(spec, host.cwd));
  if (options.pathMounts !== false) mounts.push(...pathMounts(args, host.cwd, mounts));

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
    network: options.network ?? recipe.network,
    tty,
    stdin: !tty || host.stdinIsTTY,
    consoleSize: tty ? host.terminalSize : undefined,
    labels: {
      'berth.managed': 'true',
      'berth.tool': recipe.name,
      'berth.version': version,
      'berth.pid': String(process.pid),
      [RUN_LABEL]: RUN_SOCKET,
      'berth.host': hostname(),
      'berth.uid': String(process.getuid!()),
    },
  };
}

/** `-v HOST:CONTAINER[:ro]`; the host side must exist: the engine never creates it as root. */
export function parseVolume(spec: string, cwd: string): Mount {
  const parts = spec.split(':');
  const mode = parts.length === 3 ? parts[2] : undefined;
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1] || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    throw new InputError(`berth: -v ${spec}: expected HOST:CONTAINER or HOST:CONTAINER:ro`, undefined, undefined, 125);
  }
  const source = path.resolve(cwd, parts[0]);
  if (!existsSync(source)) throw new InputError(`berth: -v ${spec}: ${source} does not exist`, undefined, undefined, 125);
  if (!parts[1].startsWith('/')) throw new InputError(`berth: -v ${spec}: the container path must be absolute`, undefined, undefined, 125);
  return { source, target: parts[1], readOnly: mode === 'ro' };
}

/** Paths the engine cannot mount over, or that make no sense to share. */
const UNMOUNTABLE = /^\/(proc|sys|dev)(\/|$)|^\/$/;

/**
 * Absolute or `..` paths among the tool's arguments that lie outside the directories already
 * mounted: an existing file or directory is mounted at the same path; a file to be written is
 * mounted through its parent directory, when that exists.
 */
export function pathMounts(args: string[], cwd: string, existing: Mount[]): Mount[] {
  const mounts: Mount[] = [];
  // Already visible at the same path through a writable same-path mount, or a mount point taken.
  const covered = (p: string) =>
    [...existing, ...mounts].some(
      (m) => p === m.target || (!m.readOnly && m.source === m.target && p.startsWith(m.target.endsWith('/') ? m.target : `${m.target}/`)),
    );
  for (const arg of args) {
    const value = arg.startsWith('-') && arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : arg;
    if (!(value.startsWith('/') || value === '..' || value.startsWith('../'))) continue;
    const target = path.resolve(cwd, value);
    if (UNMOUNTABLE.test(target) || covered(target)) continue;
    let source: string | undefined;
    if (existsSync(target)) source = target;
    else {
      const parent = path.dirname(target);
      if (!UNMOUNTABLE.test(parent) && existsSync(parent) && statSync(parent).isDirectory() && !covered(parent)) source = parent;
    }
    if (source && !mounts.some((m) => m.target === source)) mounts.push({ source, target: source, readOnly: false });
  }
  return mounts;
}
