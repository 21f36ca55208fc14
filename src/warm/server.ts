import { existsSync } from 'node:fs';
import path from 'node:path';
import { writePrivateFile } from '../platform/files.js';
import { goArch } from '../core/platforms.js';
import { ARCHES, SOURCE_SHA256 } from './server-build.js';

export { goArch };

/**
 * The main process of a warm container: berth's warm server (native/warm-server.c: a static
 * program without libc, so any image can be kept warm, shells or not, FROM scratch included),
 * written to berth's cache and bind-mounted read-only into the container. It runs under the
 * engine's init (HostConfig.Init), which reaps what the tools leave behind.
 */

/**
 * The server program for `arch`, or undefined for an architecture berth has none for. Its bytes
 * (~30 KB of base64) are a module of their own, kept out of the start-up bundle (scripts/bundle.ts).
 */
export async function serverProgram(arch: string): Promise<Buffer | undefined> {
  const { PROGRAMS } = await import('./server-program.js');
  const program = PROGRAMS[goArch(arch)];
  return program ? Buffer.from(program, 'base64') : undefined;
}

/**
 * Writes the server for `arch` into `dir` (once per build of it: the name carries its source's
 * hash) and returns its path, or undefined when berth has none for that architecture. Mode 0755,
 * the one file of berth's cache others may read: the container's user, any uid with `user:
 * image`, runs it (reaching it through the bind mount, not the 0700 cache), and its bytes are
 * berth's own, public ones.
 */
export async function serverFile(dir: string, arch: string): Promise<string | undefined> {
  if (!ARCHES.includes(goArch(arch))) return undefined;
  const file = path.join(dir, `server-${SOURCE_SHA256.slice(0, 12)}-${goArch(arch)}`);
  if (!existsSync(file)) writePrivateFile(file, (await serverProgram(arch))!, { mode: 0o755 });
  return file;
}

/** Where an exec-served warm container has the server: put into its root filesystem before its start (no bind mount reaches a remote engine). */
export const SERVER_IN_IMAGE = '/.berth-server';

/**
 * The server for `arch` as an uncompressed tar of one file, `.berth-server` (mode 0755, owned by
 * root), for the engine's archive API; undefined when berth has none for that architecture. One
 * regular file needs one ustar header, the bytes, and the end's two zero blocks.
 */
export async function serverArchive(arch: string): Promise<Buffer | undefined> {
  if (!ARCHES.includes(goArch(arch))) return undefined;
  const program = (await serverProgram(arch))!;
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'latin1');
  const octal = (offset: number, length: number, value: number) => field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  field(0, 100, path.basename(SERVER_IN_IMAGE));
  octal(100, 8, 0o755);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, program.length);
  octal(136, 12, 0);
  field(148, 8, ' '.repeat(8)); // the checksum is summed with its own field as spaces
  field(156, 1, '0');
  field(257, 8, 'ustar\u000000');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (program.length % 512)) % 512);
  return Buffer.concat([header, program, padding, Buffer.alloc(1024)]);
}
