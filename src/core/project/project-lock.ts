import { realPathOr } from '../../platform/files.js';
import { projectLockFile } from '../../platform/paths.js';
import { BerthError } from '../../platform/errors.js';
import { acquireLock } from '../../platform/lock-file.js';

/** How long a command waits for another berth changing the same project (a sync may be pulling). */
const WAIT_MS = 10 * 60_000;

/**
 * Runs `fn` holding the project's lock, so read-modify-writes of berth.yaml and berth.lock by
 * parallel berths (`berth use` in two shells, `use` beside `sync`) never lose each other's
 * changes: each reads the files only once it holds the lock. The lock is a file in berth's
 * cache, not in the project (git would see it); a lock whose berth has died is taken over.
 */
export async function withProjectLock<T>(dir: string, fn: () => T | Promise<T>): Promise<T> {
  const real = realPathOr(dir);
  const file = projectLockFile(real);
  const release = await acquireLock(file, { timeoutMs: WAIT_MS, pollMs: 50 });
  if (!release) throw new BerthError(`another berth has been changing ${real} for ${WAIT_MS / 60_000} minutes (lock ${file}); try again, or remove the lock if no berth is running`, 1);
  try {
    return await fn();
  } finally {
    release();
  }
}
