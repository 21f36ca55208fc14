import { closeSync, fstatSync, lstatSync, openSync, unlinkSync } from 'node:fs';
import { EngineError, errnoText } from '../../platform/errors.js';
import type { Mount } from './plan.js';

interface Made {
  file: string;
  dev: bigint;
  ino: bigint;
  mtimeNs: bigint;
}

/**
 * The files a run writes into a directory berth does not mount whole (`create` mounts, see
 * pathMounts): made empty just before the run, as the user and with the user's umask, never over
 * an existing file (O_EXCL). One berth cannot make (the user may not write there, or something
 * appeared there since the plan) stops the run (125) before anything starts. `cleanup`
 * removes each file the tool left as it was made (empty, the same inode and mtime), so nothing
 * the tool did not write stays on the host; it is called however the run ends.
 */
export function makeCreatedFiles(mounts: Mount[]): { cleanup: () => void } {
  const made: Made[] = [];
  for (const mount of mounts) {
    if (!mount.create) continue;
    let fd: number;
    try {
      fd = openSync(mount.source, 'wx', 0o666);
    } catch (error) {
      // The tool would write into its container and its output be lost: stop before it starts.
      removeUntouched(made);
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'EEXIST' ? 'something appeared there since berth looked' : (errnoText(code) ?? code ?? 'it failed');
      throw new EngineError(`cannot make ${mount.source} for the tool to write: ${why}`);
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      made.push({ file: mount.source, dev: st.dev, ino: st.ino, mtimeNs: st.mtimeNs });
    } finally {
      closeSync(fd);
    }
  }
  return { cleanup: () => removeUntouched(made) };
}

/** Removes each file made that the tool left as it was made (empty, the same inode and mtime). */
function removeUntouched(made: Made[]): void {
  for (const { file, dev, ino, mtimeNs } of made.splice(0)) {
    try {
      const st = lstatSync(file, { bigint: true });
      if (st.isFile() && st.size === 0n && st.dev === dev && st.ino === ino && st.mtimeNs === mtimeNs) unlinkSync(file);
    } catch {
      // gone already, or not ours to touch
    }
  }
}
