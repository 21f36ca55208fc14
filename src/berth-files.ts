import { chmodSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** berth's own cache: parsed files, tool homes, identity files, locks, run notes, warm state, engines' rootless answers. */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'berth');
}

/** The names in a directory; none when it is missing or cannot be read. */
export function directoryEntries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Writes `content` to `file` atomically (temp file + rename), creating the directory; `mode` exactly, whatever the umask. */
export function writeFileAtomic(file: string, content: string | Uint8Array, mode?: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, content);
  if (mode !== undefined) chmodSync(temp, mode);
  renameSync(temp, file);
}
