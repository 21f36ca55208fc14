import { statSync, type Stats } from 'node:fs';
import { realPathOr } from '../../platform/files.js';
import path from 'node:path';
import { readSettings } from '../../platform/settings.js';
import { currentUser, isForeign, othersCanReplace, othersCanWrite, type User } from '../../platform/file-safety.js';
import { warnOnce } from '../../platform/terminal-text.js';

export const PROJECT_FILE = 'berth.yaml';
export const PROJECT_DIRECTORY = '.berth';
export const LOCK_FILE = 'berth.lock';

/**
 * The nearest directory at or above `cwd` holding a berth.yaml or a .berth directory that berth
 * may act on (see projectCandidateProblem). A candidate it may not is said once on stderr and
 * passed over, as if absent, and the walk goes on upwards.
 */
export function findProjectRoot(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let dir = path.resolve(cwd);
  for (;;) {
    // A directory is a project when it has a candidate and none of its candidates is refused: a
    // refused berth.yaml beside an acceptable .berth must not be read as the project's.
    let found = false;
    let refused = false;
    for (const name of [PROJECT_FILE, PROJECT_DIRECTORY]) {
      const candidate = path.join(dir, name);
      let stats: Stats;
      try {
        stats = statSync(candidate);
      } catch {
        continue;
      }
      found = true;
      const problem = projectCandidateProblem(dir, stats, env);
      if (!problem) continue;
      refused = true;
      warnOnce(`ignoring ${candidate}: ${problem} (if you trust it, add ${dir} to BERTH_SAFE_DIRECTORIES or the safeDirectories setting)`);
    }
    if (found && !refused) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}


/**
 * Why a project candidate (berth.yaml or .berth in `dir`) must not be used, as git refuses a
 * repository owned by someone else (CVE-2022-24765): the candidate or its directory belongs to
 * another user (root excepted), or the directory can be written by other users without the sticky
 * bit keeping them from replacing what is there (a world-writable directory, or a group-writable
 * one of a group that is not the user's own). undefined when it is safe, or listed as an
 * exception in BERTH_SAFE_DIRECTORIES or the safeDirectories setting.
 */
export function projectCandidateProblem(dir: string, candidate: Stats, env: NodeJS.ProcessEnv = process.env, user: User = currentUser()): string | undefined {
  const problem = ownershipProblem(dir, candidate, user);
  if (!problem) return undefined;
  return isSafeDirectory(dir, env) ? undefined : problem;
}

function ownershipProblem(dir: string, candidate: Stats, user: User): string | undefined {
  if (isForeign(candidate.uid, user)) return `owned by uid ${candidate.uid}`;
  // A candidate others may write (berth.yaml, or .berth itself) is as good as theirs.
  if (candidate.isDirectory() && othersCanReplace(dir, candidate, user)) return 'can be written by other users';
  if (!candidate.isDirectory() && othersCanWrite(candidate, user)) return 'can be written by other users';
  let parent: Stats;
  try {
    parent = statSync(dir);
  } catch {
    return 'its directory cannot be read';
  }
  if (isForeign(parent.uid, user)) return `${dir} is owned by uid ${parent.uid}`;
  return othersCanReplace(dir, parent, user);
}

/** BERTH_SAFE_DIRECTORIES (colon separated) and the safeDirectories setting: directories the user vouches for. */
export function isSafeDirectory(dir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const listed = [...(env.BERTH_SAFE_DIRECTORIES ?? '').split(':'), ...safeDirectoriesSetting(env)].filter(Boolean);
  if (listed.length === 0) return false;
  const real = realPathOr(dir);
  return listed.some((entry) => path.isAbsolute(entry) && (realPathOr(entry) === real || path.resolve(entry) === dir));
}

function safeDirectoriesSetting(env: NodeJS.ProcessEnv): string[] {
  // Read only when a candidate is refused: the settings file stays off the common path.
  return readSettings(env).safeDirectories?.split(':') ?? [];
}
