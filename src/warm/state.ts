import { chmodSync, existsSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { acquireLock } from '../platform/lock-file.js';
import { directoryEntries, PRIVATE_DIRECTORY_MODE, privateDirectory, writePrivateFile } from '../platform/files.js';
import { warmDirectory, warmSocketsDirectory } from '../platform/paths.js';

/**
 * What berth keeps about warm containers in its cache directory (warmDirectory). The engine holds
 * the containers, and they stop themselves; berth's files are:
 *
 * - `server-<hash>-<arch>`: the warm server program, bind-mounted into every warm container.
 * - `sockets/<key>/`: a warm container's socket directory, mounted into it (see socketDirectory).
 * - `used/<container name>`: touched when a call ends; its mtime is the last use `warm ls` shows.
 * - `unavailable/<tool>.json`: why a tool cannot be kept warm here, so it is said once.
 * - `locks/<key>.lock`: one creator per warm container.
 */
function sub(name: string): string {
  return path.join(warmDirectory(), name);
}

/** Where the server program and its socket directory are mounted: docker's /dev is a tmpfs of its own. */
export const SERVER_TARGET = '/dev/.berth-server';
export const SOCKET_TARGET = '/dev/.berth-warm';

/**
 * The directory of a warm container's socket (`s` in it), under `sockets/`, which only berth's
 * user may enter (see makeSocketDirectory). Unix socket paths are short (107 bytes): the name is
 * the key's first 20 digits.
 */
export function socketDirectory(key: string): string {
  return path.join(warmSocketsDirectory(), key.slice(0, 20));
}

/**
 * Makes the socket directory of `key`. The warm server binds (and at its end removes) the socket
 * in it as the container's user: with `user: host` that is berth's user, and the directory is
 * private (0700). With `user: image` it is any uid: an image's non-root USER cannot enter a 0700
 * directory of berth's user, nor can root without CAP_DAC_OVERRIDE over host files (a userns-
 * remapped engine). So the directory is 0733 then, the least that works: others may create and
 * remove names in it but not list it. That opens it to no one on the host: `sockets/` above is
 * 0700 (made so again here, whatever an earlier berth left), and the container reaches the
 * directory through its bind mount, not through that path.
 */
export function makeSocketDirectory(key: string, containerUserIsBerths: boolean): string {
  const dir = socketDirectory(key);
  chmodSync(privateDirectory(warmSocketsDirectory()), PRIVATE_DIRECTORY_MODE);
  chmodSync(privateDirectory(dir), containerUserIsBerths ? PRIVATE_DIRECTORY_MODE : 0o733);
  // In use from now: gc leaves it alone (pruneWarmFiles).
  const now = new Date();
  utimesSync(dir, now, now);
  return dir;
}

export function removeSocketDirectory(key: string): void {
  rmSync(socketDirectory(key), { recursive: true, force: true });
}

/** A file or directory of berth's warm cache that gc removes, and why. */
export interface PrunableFile {
  path: string;
  why: string;
}

/**
 * What no warm container needs any more (`berth gc`): the socket directories and last-use marks of
 * containers that are gone (`keys`, `names`: those the engine still has), server programs of other
 * builds than `server` (`server-HASH-`), and what berth's earlier warm containers kept (the pause
 * program, init pids, exec records, image commands). A socket directory less than a minute old is
 * kept: its container may be being created. Nothing is removed here (`gc --dry-run` shows these).
 */
export function prunableWarmFiles(keys: Set<string>, names: Set<string>, server: string): PrunableFile[] {
  const live = new Set([...keys].map((key) => path.basename(socketDirectory(key))));
  const recent = (dir: string) => {
    try {
      return Date.now() - statSync(dir).mtimeMs < 60_000;
    } catch {
      return false;
    }
  };
  const files: PrunableFile[] = [];
  for (const dir of directoryEntries(warmSocketsDirectory())) {
    const full = path.join(warmSocketsDirectory(), dir);
    if (!live.has(dir) && !recent(full)) files.push({ path: full, why: 'socket directory of a warm container that is gone' });
  }
  for (const name of directoryEntries(sub('used'))) if (!names.has(name)) files.push({ path: path.join(sub('used'), name), why: 'last-use mark of a warm container that is gone' });
  for (const file of directoryEntries(warmDirectory())) {
    if (file.startsWith('server-') && !file.startsWith(server)) files.push({ path: path.join(warmDirectory(), file), why: "warm server of another berth build" });
    else if (file.startsWith('pause-v1-')) files.push({ path: path.join(warmDirectory(), file), why: "an earlier berth's warm program" });
  }
  for (const old of ['pids', 'execs', 'images']) if (existsSync(sub(old))) files.push({ path: sub(old), why: "an earlier berth's warm records" });
  return files;
}

/** Removes what prunableWarmFiles lists; returns what it removed. */
export function pruneWarmFiles(keys: Set<string>, names: Set<string>, server: string): PrunableFile[] {
  const files = prunableWarmFiles(keys, names, server);
  for (const f of files) rmSync(f.path, { recursive: true, force: true });
  return files;
}

/** Containers are named after their key: the engine then refuses a second one for a key. */
export function warmName(tool: string, key: string): string {
  return `berth-warm-${tool}-${key.slice(0, 20)}`;
}

export function markUsed(name: string): void {
  const file = path.join(sub('used'), name);
  const now = new Date();
  try {
    utimesSync(file, now, now);
  } catch {
    try {
      writePrivateFile(file, '');
    } catch {
      // a read-only cache: warm ls shows the start time instead
    }
  }
}

/** The last time a call of this user ended in the container, in ms, if known. */
export function lastUsed(name: string): number | undefined {
  try {
    return statSync(path.join(sub('used'), name)).mtimeMs;
  } catch {
    return undefined;
  }
}

export interface Unavailable {
  reason: string;
  at: number;
  /** A reason that holds for every call of the tool (no server for the engine's architecture). */
  lasting?: boolean;
}

/**
 * A tool that cannot work warm for a lasting reason is run fresh without trying again for this
 * long. Any other failure (a server that did not answer, a refused create, one directory's
 * mounts) is tried again at the next call: one failure in one place never turns warm off.
 */
const RETRY_AFTER_MS = 24 * 3600 * 1000;

export function unavailableFor(tool: string): Unavailable | undefined {
  try {
    const memo = JSON.parse(readFileSync(path.join(sub('unavailable'), `${tool}.json`), 'utf8')) as Unavailable;
    if (typeof memo.reason === 'string' && typeof memo.at === 'number') return memo;
  } catch {
    // none
  }
  return undefined;
}

export function shouldRetryWarm(memo: Unavailable | undefined): boolean {
  return !memo || !memo.lasting || Date.now() - memo.at > RETRY_AFTER_MS;
}

/** Every tool's last reason for not being kept warm, by tool (what `berth warm ls` says). */
export function unavailableTools(): Array<[string, Unavailable]> {
  return directoryEntries(sub('unavailable'))
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -'.json'.length))
    .flatMap((tool) => {
      const memo = unavailableFor(tool);
      return memo ? [[tool, memo] as [string, Unavailable]] : [];
    });
}

/** Remembers why `tool` cannot be kept warm; returns whether that reason is new (and so to be said). */
export function rememberUnavailable(tool: string, reason: string, lasting = false): boolean {
  const previous = unavailableFor(tool);
  try {
    writePrivateFile(path.join(sub('unavailable'), `${tool}.json`), JSON.stringify({ reason, at: Date.now(), lasting } satisfies Unavailable));
  } catch {
    // said again next time
  }
  return previous?.reason !== reason;
}

/**
 * Forgets why tools could not be kept warm. A memo berth cannot remove (a directory of another
 * user's in the cache, say) only means the reason is said again: never an error, so a warm call
 * it follows (its connection open) always goes on.
 */
export function forgetUnavailable(tool?: string): void {
  try {
    if (tool) rmSync(path.join(sub('unavailable'), `${tool}.json`), { force: true });
    else rmSync(sub('unavailable'), { recursive: true, force: true });
  } catch {
    // said again next time
  }
}

/**
 * Takes the creation lock of a key: one berth process creates the warm container, the others wait
 * and then use it. Gives up after `timeoutMs` (resolves undefined) rather than wait for ever; with
 * no cache directory the engine's name uniqueness still keeps one container per key.
 */
export async function lockKey(key: string, timeoutMs = 30_000): Promise<(() => void) | undefined> {
  try {
    return await acquireLock(path.join(sub('locks'), `${key.slice(0, 32)}.lock`), { timeoutMs, pollMs: 50 });
  } catch {
    return () => undefined;
  }
}
