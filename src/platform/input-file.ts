import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { errnoText, InputError } from './errors.js';

/** The most berth reads of a file it parses (a recipe, berth.yaml, berth.lock): far above any real one. */
export const INPUT_FILE_LIMIT = 1024 * 1024;

/**
 * Reads a file that came from a checkout or a recipe directory, where anything can be planted: a
 * FIFO (which would block a plain read forever), a directory or a symlink loop under a .yaml name,
 * a file too large to be a real one. Each is an InputError naming the file (exit 1), never a hang
 * or a crash. The file is opened non-blocking and checked through its descriptor, so nothing can
 * be swapped in between the check and the read.
 */
export function readInputFile(file: string, limit = INPUT_FILE_LIMIT): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw new InputError(`${file}: cannot be read: ${describe(error)}`, file);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new InputError(`${file}: not a regular file (${stats.isDirectory() ? 'a directory' : stats.isFIFO() ? 'a FIFO' : 'a device or socket'})`, file);
    if (stats.size > limit) throw new InputError(`${file}: ${stats.size} bytes, over berth's limit of ${limit} bytes for this kind of file`, file);
    const buffer = Buffer.alloc(stats.size);
    let read = 0;
    // A file that grows after the fstat is cut at its size then: never more than the limit.
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, null);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${file}: cannot be read: ${describe(error)}`, file);
  } finally {
    closeSync(fd);
  }
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return errnoText(e.code) ?? e.code ?? e.message;
}
