import { chmodSync, existsSync, linkSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BerthError, errnoText } from './errors.js';
import { berthRoots } from './paths.js';


/** The real path of `p` (links resolved), or `p` made absolute when it does not resolve (missing). */
export function realPathOr(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return path.resolve(p);
  }
}

/** The names in a directory; none when it is missing or cannot be read. */
export function directoryEntries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The modes of what berth writes for itself: only its user reads them (another user of the
 * machine could learn from them what one works on, or plant a lock, a passwd file or a socket).
 */
export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** berth's roots this process has already checked (tightenRoot). */
const checkedRoots = new Set<string>();

/**
 * One of berth's roots that an earlier berth created with the umask's mode (0755) is made 0700
 * when this process first writes under it, if it is the user's: that alone keeps everything
 * below it, whatever its mode, from other users.
 */
function tightenRoot(dir: string): void {
  for (const { directory: root } of berthRoots()) {
    if (checkedRoots.has(root) || (dir !== root && !dir.startsWith(root + path.sep))) continue;
    checkedRoots.add(root);
    try {
      const st = statSync(root);
      if (st.uid === process.getuid?.() && (st.mode & 0o777) !== PRIVATE_DIRECTORY_MODE) chmodSync(root, PRIVATE_DIRECTORY_MODE);
    } catch {
      // not there, or not berth's user's to change: left as it is
    }
  }
}

/**
 * berth's private directory: creates `dir`, and whatever is missing above it (as XDG asks of a
 * base directory made on the way), mode 0700 whatever the umask; returns it.
 */
export function privateDirectory(dir: string): string {
  const full = path.resolve(dir);
  let first: string | undefined;
  try {
    first = makeDirectories(full, PRIVATE_DIRECTORY_MODE);
  } catch (error) {
    throw writeFailure(error, full);
  }
  if (first !== undefined) {
    // The umask may have taken more bits (0277 leaves a directory berth cannot write in).
    for (let d = full; ; d = path.dirname(d)) {
      chmodSync(d, PRIVATE_DIRECTORY_MODE);
      if (d === first || d === path.dirname(d)) break;
    }
  }
  tightenRoot(full);
  return full;
}

/** A temporary name next to `file` that no other writer (another process, an earlier crash) has. */
function tempName(file: string): string {
  return `${file}.${process.pid}.${Date.now()}${Math.random().toString(36).slice(2, 8)}.tmp`;
}

/**
 * berth's private file: writes `content` to `file` atomically (a temporary file renamed over it),
 * in a private directory, mode 0600 whatever the umask. `mode`: another, where a different uid
 * must read the file (the caller says why). `exclusive`: fails with EEXIST when `file` exists (a
 * hard link in place of the rename), for lock files.
 */
export function writePrivateFile(file: string, content: string | Uint8Array, options: { mode?: number; exclusive?: boolean } = {}): void {
  privateDirectory(path.dirname(file));
  const temp = tempName(file);
  let placed = false;
  try {
    // Made 0600 at once: its content is never open to others, not even until the chmod.
    writeFileSync(temp, content, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    chmodSync(temp, options.mode ?? PRIVATE_FILE_MODE); // what the umask took
    if (options.exclusive) linkSync(temp, file);
    else renameSync(temp, file);
    placed = !options.exclusive;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && options.exclusive) throw error;
    throw writeFailure(error, file);
  } finally {
    // Nothing half-written is left behind (a full disk fails the write, not the create).
    if (!placed) rmSync(temp, { force: true });
  }
}

/**
 * Writes one of the user's own files (a recipe, berth.yaml, a shim) atomically (temp file +
 * rename), creating the directory; its modes are the umask's, or `mode` exactly.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array, mode?: number): void {
  const temp = tempName(file);
  let placed = false;
  try {
    makeDirectories(path.dirname(file));
    writeFileSync(temp, content);
    if (mode !== undefined) chmodSync(temp, mode);
    renameSync(temp, file);
    placed = true;
  } catch (error) {
    throw writeFailure(error, file);
  } finally {
    // A full disk or a read-only directory leaves no `*.tmp` beside the file (git would see it).
    if (!placed) rmSync(temp, { force: true });
  }
}

/**
 * mkdir -p. Node's recursive mkdir says ENOENT for a parent it could not create whatever the
 * cause (a read-only file system, permissions): the real cause is read from creating the first
 * missing directory alone.
 */
function makeDirectories(dir: string, mode?: number): string | undefined {
  try {
    return mkdirSync(dir, { recursive: true, mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    let missing = dir;
    while (path.dirname(missing) !== missing && !existsSync(path.dirname(missing))) missing = path.dirname(missing);
    mkdirSync(missing, { mode }); // throws the real cause
    throw error;
  }
}

/** The XDG variable that moves each of berth's roots (the hint for a root it cannot write). */
function rootVariable(file: string): string | undefined {
  return berthRoots().find(({ directory }) => file === directory || file.startsWith(directory + path.sep))?.variable;
}

/**
 * A write that failed for a reason the user can act on (no space, a read-only or foreign
 * directory), as one line saying what and where, with the fix for berth's own directories; any
 * other error as it is.
 */
function writeFailure(error: unknown, file: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  // Causes the user can act on; any other error is passed on as it is.
  const why = ['ENOSPC', 'EROFS', 'EACCES', 'EPERM', 'EDQUOT'].includes(code ?? '') ? errnoText(code) : undefined;
  if (!why) return error as Error;
  const variable = rootVariable(file);
  const hint = variable ? `; berth keeps its own files there: set ${variable} to a writable directory` : '';
  return new BerthError(`cannot write ${file}: ${why}${hint}`, variable ? 125 : 1);
}
