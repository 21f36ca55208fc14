import { readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { writePrivateFile } from './files.js';

/** Whether a process with this pid exists (EPERM: it exists but is someone else's). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock between berth processes: a private file holding the owner's pid, created
 * only where there is none (and so never seen without its pid).
 * A lock whose owner is gone is taken over; so is one not touched for `staleAfterMs`, when given
 * (its holder keeps it fresh while it works: a stopped or frozen holder stops doing so). Resolves
 * with the release function, or undefined when `timeoutMs` passes first.
 */
export async function acquireLock(file: string, options: { timeoutMs?: number; pollMs?: number; staleAfterMs?: number } = {}): Promise<(() => void) | undefined> {
  const deadline = Date.now() + (options.timeoutMs ?? Infinity);
  for (;;) {
    try {
      writePrivateFile(file, String(process.pid), { exclusive: true });
      // Released only while still this process's: one taken over meanwhile is the new holder's.
      return () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) rmSync(file, { force: true });
        } catch {
          // gone already
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: number;
    try {
      holder = Number(readFileSync(file, 'utf8'));
    } catch {
      continue; // released between our tries
    }
    if (Number.isInteger(holder) && holder > 0 && (!isProcessAlive(holder) || untouchedFor(file, options.staleAfterMs))) removeIfStill(file, holder);
    else if (Date.now() > deadline) return undefined;
    else await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}

/** Whether `file` has not been touched for `ms` (never, without `ms`). */
function untouchedFor(file: string, ms: number | undefined): boolean {
  if (ms === undefined) return false;
  try {
    return Date.now() - statSync(file).mtimeMs > ms;
  } catch {
    return false;
  }
}

/**
 * Runs `work` holding the lock `file`, kept fresh meanwhile: a holder that is stopped (Ctrl-Z,
 * SIGSTOP) or frozen stops freshening it, and the processes waiting take it over after
 * `staleAfterMs` instead of waiting for ever.
 */
export async function withHeldLock<T>(file: string, staleAfterMs: number, work: () => Promise<T>): Promise<T> {
  const release = (await acquireLock(file, { pollMs: 200, staleAfterMs }))!;
  const heartbeat = setInterval(() => touchLock(file), staleAfterMs / 4);
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    release();
  }
}

/** Marks the lock `file` as still held and worked on (see staleAfterMs). */
export function touchLock(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // released or taken over meanwhile
  }
}

/**
 * Removes the lock `file` only if it still names the dead `holder`. Two waiters may both have read
 * that pid: if the second removed blindly, it could remove the lock the first has just taken, and
 * both would hold it. So the check and the removal happen under a takeover lock of their own
 * (`file.takeover`, O_EXCL); one left by a waiter that died in those few microseconds is cleared
 * after a second.
 */
function removeIfStill(file: string, holder: number): void {
  const takeover = `${file}.takeover`;
  try {
    writePrivateFile(takeover, String(process.pid), { exclusive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      if (Date.now() - statSync(takeover).mtimeMs > 1000) rmSync(takeover, { force: true });
    } catch {
      // gone meanwhile
    }
    return; // another waiter is taking over: try the lock again
  }
  try {
    if (Number(readFileSync(file, 'utf8')) === holder) rmSync(file, { force: true });
  } catch {
    // released meanwhile
  } finally {
    rmSync(takeover, { force: true });
  }
}
