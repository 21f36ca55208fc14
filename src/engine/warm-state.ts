import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { acquireLock } from '../lock-file.js';
import { cacheDirectory } from '../berth-files.js';

/**
 * What berth keeps about warm containers in its cache directory (`<cache>/warm`). Nothing here is
 * needed for a warm container to work or to stop: the engine holds the containers, and they stop
 * themselves. These files only make berth faster and friendlier:
 *
 * - `pause-v1-<arch>`: the pause program, bind-mounted into every warm container.
 * - `images/<image id>.json`: an image's Entrypoint and Cmd (an image id never changes content).
 * - `used/<container name>`: touched when a call ends; its mtime is the last use `warm ls` shows.
 * - `pids/<container name>`: the host pid and start time of the container's init, so that a call
 *   resets the idle time with a signal of its own instead of an engine request.
 * - `execs/<berth pid>-<exec id>`: a call running in a warm container, so that gc and the next run
 *   can kill what a SIGKILLed berth left running there (see removeWarmOrphans).
 * - `unavailable/<tool>.json`: why a tool cannot be kept warm here, so it is said once.
 * - `locks/<key>.lock`: one creator per warm container.
 */
export function warmDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'warm');
}

function sub(name: string): string {
  return path.join(warmDirectory(), name);
}

/** Where the pause program is mounted in a warm container: docker's /dev is a tmpfs of its own. */
export const PAUSE_TARGET = '/dev/.berth-pause';

/** Labels of every warm container (with berth.managed, berth.tool, berth.version, berth.host, berth.pid). */
export const WARM_LABEL = 'berth.warm';
export const KEY_LABEL = 'berth.key';
export const IDLE_LABEL = 'berth.idle-minutes';
export const IMAGE_LABEL = 'berth.image';

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
      mkdirSync(sub('used'), { recursive: true });
      writeFileSync(file, '');
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

/** The container's init as `pid start-time`, if this user's berth has recorded it. */
export function readInitProcess(name: string): { pid: number; start: string } | undefined {
  try {
    const [pid, start] = readFileSync(path.join(sub('pids'), name), 'utf8').split(' ');
    if (Number(pid) > 0 && start) return { pid: Number(pid), start };
  } catch {
    // not recorded
  }
  return undefined;
}

export function writeInitProcess(name: string, pid: number, start: string): void {
  try {
    mkdirSync(sub('pids'), { recursive: true });
    writeFileSync(path.join(sub('pids'), name), `${pid} ${start}`);
  } catch {
    // the engine is asked instead
  }
}

export interface ExecRecord {
  berthPid: number;
  exec: string;
  tool: string;
  file: string;
}

/** Notes that this berth process runs `exec` in a warm container; returns the function that forgets it. */
export function recordExec(exec: string, tool: string): () => void {
  const file = path.join(sub('execs'), `${process.pid}-${exec}`);
  try {
    mkdirSync(sub('execs'), { recursive: true });
    writeFileSync(file, tool);
  } catch {
    return () => undefined;
  }
  return () => rmSync(file, { force: true });
}

export function execRecords(): ExecRecord[] {
  let names: string[];
  try {
    names = readdirSync(sub('execs'));
  } catch {
    return [];
  }
  const records: ExecRecord[] = [];
  for (const name of names) {
    const m = /^(\d+)-([0-9a-f]+)$/.exec(name);
    if (!m) continue;
    const file = path.join(sub('execs'), name);
    let tool: string;
    try {
      tool = readFileSync(file, 'utf8') || '?';
    } catch {
      continue;
    }
    records.push({ berthPid: Number(m[1]), exec: m[2]!, tool, file });
  }
  return records;
}

export interface Unavailable {
  reason: string;
  at: number;
}

/** A tool found not to work warm is run fresh without trying again for this long. */
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
  return !memo || Date.now() - memo.at > RETRY_AFTER_MS;
}

/** Remembers why `tool` cannot be kept warm; returns whether that reason is new (and so to be said). */
export function rememberUnavailable(tool: string, reason: string): boolean {
  const previous = unavailableFor(tool);
  try {
    mkdirSync(sub('unavailable'), { recursive: true });
    writeFileSync(path.join(sub('unavailable'), `${tool}.json`), JSON.stringify({ reason, at: Date.now() } satisfies Unavailable));
  } catch {
    // said again next time
  }
  return previous?.reason !== reason;
}

export function forgetUnavailable(tool?: string): void {
  if (tool) rmSync(path.join(sub('unavailable'), `${tool}.json`), { force: true });
  else rmSync(sub('unavailable'), { recursive: true, force: true });
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
