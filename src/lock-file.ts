import { readFileSync, rmSync } from 'node:fs';
import { writePrivateFile } from './berth-files.js';

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
 * A lock whose owner is gone is taken over. Resolves with the release function, or undefined
 * when `timeoutMs` passes first.
 */
export async function acquireLock(file: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<(() => void) | undefined> {
  const deadline = Date.now() + (options.timeoutMs ?? Infinity);
  for (;;) {
    try {
      writePrivateFile(file, String(process.pid), { exclusive: true });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: number;
    try {
      holder = Number(readFileSync(file, 'utf8'));
    } catch {
      continue; // released between our tries
    }
    if (Number.isInteger(holder) && holder > 0 && !isProcessAlive(holder)) rmSync(file, { force: true });
    else if (Date.now() > deadline) return undefined;
    else await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}
