import { open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether a process of that pid exists (ours or another user's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` while holding an exclusive lock file `<os.tmpdir()>/<name>.lock` (created with O_EXCL,
 * holding our pid), so concurrent test runs on one machine do not build the same image at once.
 * A lock left by a dead process is taken over. Waits at most `waitMs` for the lock.
 */
export async function withLock<T>(name: string, fn: () => Promise<T>, waitMs = 45 * 60_000): Promise<T> {
  const path = join(tmpdir(), `${name}.lock`);
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      // Stale: its owner died. Remove it and race for it again.
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${path} (held by pid ${owner})`);
    if (!told) {
      process.stderr.write(`[berth-test] waiting for lock ${path} held by pid ${owner}...\n`);
      told = true;
    }
    await sleep(1000);
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
