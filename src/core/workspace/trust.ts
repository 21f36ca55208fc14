import { createRequire } from 'node:module';
import { lstatSync, readFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { directoryEntries, realPathOr, writePrivateFile } from '../../platform/files.js';
import { trustFile } from '../../platform/paths.js';
import { InputError } from '../../platform/errors.js';
import { currentUser, isForeign, othersCanReplace } from '../../platform/file-safety.js';
import { readInputFile } from '../../platform/input-file.js';
import { isSafeDirectory, PROJECT_DIRECTORY } from './root.js';

const require = createRequire(import.meta.url);

/**
 * Trust in a project's own recipes (`.berth/recipes/*.yaml`), as `mise trust` and `direnv allow`
 * do it: a recipe can name any image, the host network, root, secrets from the environment, so a
 * cloned repository's recipes take effect only once the user has trusted them, and only while
 * they are exactly what was trusted. Recorded per project (its real path) with the sha256 of
 * every recipe file; a file changed, added or removed ends the trust until `berth trust` again.
 * The record lives in berth's state directory, which no project can write.
 */
export interface TrustRecord {
  /** File name in .berth/recipes → sha256 of its bytes. */
  recipes: Record<string, string>;
  trustedAt: string;
}

interface TrustStore {
  version: 1;
  projects: Record<string, TrustRecord>;
}

export type TrustState =
  | { trusted: true; record?: TrustRecord }
  /** changed: the file names added, removed or edited since trusted (all of them when never trusted). */
  | { trusted: false; record?: TrustRecord; changed: string[] };

export function projectRecipeDirectory(root: string): string {
  return path.join(root, PROJECT_DIRECTORY, 'recipes');
}

/** The key a project is trusted under: its real path, so a symlinked path is the same project. */
export function projectKey(root: string): string {
  return realPathOr(root);
}

/** The recipe files of a project (the names the catalog reads) and the sha256 of each. */
function projectRecipeHashes(root: string): Record<string, string> {
  const dir = projectRecipeDirectory(root);
  const hashes: Record<string, string> = {};
  // crypto loads only for a project with recipes: it is not on the start-up path of other runs.
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const user = currentUser();
  for (const name of directoryEntries(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = path.join(dir, name);
    try {
      // A link could lead anywhere (into a directory someone else controls), and a file of
      // another user's they could change after the trust: such a file is never trusted.
      const st = lstatSync(file);
      if (st.isSymbolicLink()) throw new Error('a symbolic link');
      if (isForeign(st.uid, user)) throw new Error(`owned by uid ${st.uid}`);
      hashes[name] = createHash('sha256').update(readInputFile(file)).digest('hex');
    } catch (error) {
      // Never trusted: a value no trust record can hold (trustProject leaves such files out).
      hashes[name] = `${UNTRUSTABLE}${(error as Error).message.replace(`${file}: `, '')}`;
    }
  }
  return hashes;
}

function readStore(env: NodeJS.ProcessEnv): TrustStore {
  try {
    const raw = JSON.parse(readFileSync(trustFile(env), 'utf8')) as Partial<TrustStore>;
    if (raw.version === 1 && raw.projects && typeof raw.projects === 'object') return { version: 1, projects: raw.projects };
  } catch {
    // none yet, or damaged: nothing is trusted
  }
  return { version: 1, projects: {} };
}

function writeStore(store: TrustStore, env: NodeJS.ProcessEnv): void {
  writePrivateFile(trustFile(env), `${JSON.stringify(store, null, 2)}\n`);
}

/** Names whose presence or hash differ between two hash maps. */
function differences(a: Record<string, string>, b: Record<string, string>): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((n) => a[n] !== b[n]).sort();
}

/** The mark of a recipe file that can never be trusted (a link, another user's, unreadable). */
const UNTRUSTABLE = 'untrustable: ';

/**
 * Why berth cannot trust a project's recipe directory as such: a link, or (unless the user vouched
 * for the project in BERTH_SAFE_DIRECTORIES or safeDirectories) another user's or writable by others.
 */
function recipeDirectoryProblem(root: string, env: NodeJS.ProcessEnv): string | undefined {
  const user = currentUser();
  const vouched = isSafeDirectory(root, env);
  for (const dir of [path.join(root, PROJECT_DIRECTORY), projectRecipeDirectory(root)]) {
    let st: Stats;
    try {
      st = lstatSync(dir);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) return `${dir} is a symbolic link`;
    if (vouched) continue;
    if (isForeign(st.uid, user)) return `${dir} is owned by uid ${st.uid}`;
    const others = othersCanReplace(dir, st, user);
    if (others) return others;
  }
  return undefined;
}

/** Whether the project's recipes are exactly those the user trusted. A project without recipes needs no trust. */
export function projectTrust(root: string, env: NodeJS.ProcessEnv = process.env, current = projectRecipeHashes(root)): TrustState {
  // Most projects have no recipes of their own: then the trust record is not even read.
  if (Object.keys(current).length === 0) return { trusted: true };
  const record = readStore(env).projects[projectKey(root)];
  const unsafe = recipeDirectoryProblem(root, env);
  if (unsafe) return { trusted: false, record, changed: [`(${unsafe})`] };
  const untrustable = Object.keys(current).filter((n) => current[n]!.startsWith(UNTRUSTABLE));
  if (untrustable.length > 0) return { trusted: false, record, changed: untrustable.map((n) => `${n} (${current[n]!.slice(UNTRUSTABLE.length)})`) };
  if (!record) return { trusted: false, changed: Object.keys(current) };
  const changed = differences(record.recipes ?? {}, current);
  return changed.length === 0 ? { trusted: true, record } : { trusted: false, record, changed };
}

/** Trusts the project's recipes as they are now. */
export function trustProject(root: string, env: NodeJS.ProcessEnv = process.env): TrustRecord {
  const unsafe = recipeDirectoryProblem(root, env);
  if (unsafe) throw new InputError(`cannot trust the recipes of ${root}: ${unsafe}`);
  const hashes = projectRecipeHashes(root);
  const untrustable = Object.keys(hashes).filter((n) => hashes[n]!.startsWith(UNTRUSTABLE));
  if (untrustable.length > 0) {
    throw new InputError(`cannot trust ${untrustable.map((n) => `${n} (${hashes[n]!.slice(UNTRUSTABLE.length)})`).join(', ')} in ${projectRecipeDirectory(root)}: make them your own regular files first`);
  }
  const store = readStore(env);
  const record: TrustRecord = { recipes: hashes, trustedAt: new Date().toISOString() };
  store.projects[projectKey(root)] = record;
  writeStore(store, env);
  return record;
}

/** Forgets the trust in a project; false when it had none. */
export function untrustProject(root: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const store = readStore(env);
  const key = projectKey(root);
  if (!store.projects[key]) return false;
  delete store.projects[key];
  writeStore(store, env);
  return true;
}

/** Every trusted project, by path. */
export function trustedProjects(env: NodeJS.ProcessEnv = process.env): Array<{ root: string; record: TrustRecord }> {
  return Object.entries(readStore(env).projects)
    .map(([root, record]) => ({ root, record }))
    .sort((a, b) => (a.root < b.root ? -1 : a.root > b.root ? 1 : 0));
}
