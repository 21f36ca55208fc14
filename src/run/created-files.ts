import { closeSync, fstatSync, lstatSync, openSync, unlinkSync } from 'node:fs';
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
 * an existing file (O_EXCL). `mounts` loses those berth could not make: the user may not write
 * there (neither could the tool; it sees no such file, as it would natively), or something
 * appeared there since the plan (maybe a symlink someone else put in a shared directory, which
 * the engine would follow: never mounted). `cleanup`
 * removes each file the tool left as it was made (empty, the same inode and mtime), so nothing
 * the tool did not write stays on the host; it is called however the run ends.
 */
export function makeCreatedFiles(mounts: Mount[]): { mounts: Mount[]; cleanup: () => void } {
  const made: Made[] = [];
  const failed = new Set<Mount>();
  for (const mount of mounts) {
    if (!mount.create) continue;
    let fd: number;
    try {
      fd = openSync(mount.source, 'wx', 0o666);
    } catch {
      failed.add(mount);
      continue;
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      made.push({ file: mount.source, dev: st.dev, ino: st.ino, mtimeNs: st.mtimeNs });
    } finally {
      closeSync(fd);
    }
  }
  const cleanup = () => {
    for (const { file, dev, ino, mtimeNs } of made.splice(0)) {
      try {
        const st = lstatSync(file, { bigint: true });
        if (st.isFile() && st.size === 0n && st.dev === dev && st.ino === ino && st.mtimeNs === mtimeNs) unlinkSync(file);
      } catch {
        // gone already, or not ours to touch
      }
    }
  };
  return { mounts: failed.size === 0 ? mounts : mounts.filter((m) => !failed.has(m)), cleanup };
}
