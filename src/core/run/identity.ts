import { readFileSync, realpathSync } from 'node:fs';
import { privateDirectory, writePrivateFile } from '../../platform/files.js';
import { identityDirectory, toolHomeDirectory } from '../../platform/paths.js';
import { userInfo } from 'node:os';
import path from 'node:path';

/**
 * Who the tool runs as. With `user: host` it is the invoking uid:gid, given a passwd and
 * group entry and a writable HOME (the tool's own, toolHome), so tools that look themselves up
 * find a real user.
 */
export interface Identity {
  uid: number;
  gid: number;
  name: string;
}

export function hostIdentity(): Identity {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  let username = process.env.USER ?? '';
  try {
    username = userInfo().username;
  } catch {
    // a uid with no passwd entry on the host (containers, CI): fall back to $USER
  }
  const name = uid === 0 ? 'root' : /^[a-z_][a-z0-9_-]{0,31}$/i.test(username) ? username : 'user';
  return { uid, gid, name };
}


function writeIfChanged(file: string, content: string): void {
  try {
    if (readFileSync(file, 'utf8') === content) return;
  } catch {
    // missing: write it
  }
  writePrivateFile(file, content);
}

/**
 * passwd and group files naming only root, the user and nobody, kept in berth's cache and
 * bind-mounted read-only over the image's. The user's entry names the tool's HOME (`home`, its
 * toolHome), so there is a pair per tool (`identity/UID-GID/TOOL/`); they do not depend on the
 * image, and `--dry-run` prints exactly what berth runs. Private (0600) like the rest of the
 * cache: they are mounted only for `user: host`, whose container runs as their owner.
 */
export function identityFiles(id: Identity, tool: string, home: string, env: NodeJS.ProcessEnv = process.env): { passwd: string; group: string } {
  const dir = identityDirectory(id.uid, id.gid, tool, env);
  const passwd = [`root:x:0:0:root:${id.uid === 0 ? home : '/root'}:/bin/sh`];
  const group = ['root:x:0:'];
  if (id.uid !== 0) passwd.push(`${id.name}:x:${id.uid}:${id.gid}:${id.name}:${home}:/bin/sh`);
  if (id.gid !== 0) group.push(`${id.name}:x:${id.gid}:`);
  passwd.push('nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin');
  group.push('nogroup:x:65534:');
  const files = { passwd: path.join(dir, 'passwd'), group: path.join(dir, 'group') };
  writeIfChanged(files.passwd, passwd.join('\n') + '\n');
  writeIfChanged(files.group, group.join('\n') + '\n');
  return files;
}

/**
 * The host directory kept as the tool's HOME between runs, the user's only (mounted for `user:
 * host` only). It is mounted at its own path, like every other mount, and HOME names that path:
 * no host path is shadowed by it (the real home included), whatever the current directory.
 */
export function toolHome(tool: string, env: NodeJS.ProcessEnv = process.env): string {
  // The cache may be reached through a symlink: the mount and HOME name the real place.
  return realpathSync(privateDirectory(toolHomeDirectory(tool, env)));
}
