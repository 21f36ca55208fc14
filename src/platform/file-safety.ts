import type { Stats } from 'node:fs';

/** The user whose files berth protects: the invoking uid and its primary gid. */
export interface User {
  uid: number;
  gid: number;
}

export function currentUser(): User {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

/** Whether a uid is someone else's: neither the user's nor root's. */
export function isForeign(uid: number, user: User): boolean {
  return uid !== user.uid && uid !== 0;
}

/**
 * Why other users could replace entries of the directory `dir` (stat'ed as `st`): it is world-
 * writable, or group-writable by a group that is not the user's own, without the sticky bit that
 * keeps them from removing or renaming what is not theirs. undefined when they cannot. The one
 * rule for "a place others can plant or swap files in": project discovery (core/workspace/root.ts) and
 * path arguments (core/run/plan.ts) both ask it.
 */
export function othersCanReplace(dir: string, st: Stats, user: User): string | undefined {
  if ((st.mode & 0o1000) !== 0) return undefined;
  const others = othersCanWrite(st, user);
  return others && `${dir} can be written by ${others}`;
}

/** Who besides the user (and root) may write the file or directory stat'ed as `st`: 'every user', 'group N', or undefined. */
export function othersCanWrite(st: Stats, user: User): string | undefined {
  if ((st.mode & 0o002) !== 0) return 'every user';
  if ((st.mode & 0o020) !== 0 && st.gid !== user.gid) return `group ${st.gid}`;
  return undefined;
}
