import { existsSync } from 'node:fs';
import path from 'node:path';

export const PROJECT_FILE = 'berth.yaml';
export const LOCK_FILE = 'berth.lock';

/** The nearest directory at or above `cwd` holding a berth.yaml or a .berth directory. */
export function findProjectRoot(cwd: string): string | undefined {
  let dir = path.resolve(cwd);
  for (;;) {
    if (existsSync(path.join(dir, PROJECT_FILE)) || existsSync(path.join(dir, '.berth'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
