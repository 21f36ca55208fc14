import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePrivateFile } from './files.js';
import { parsedFile } from './paths.js';

/**
 * Parsed files kept as JSON in berth's cache, keyed by path and checked against the file's
 * size, mtime and inode, so an unchanged file is never parsed twice. A failed parse is not
 * cached: the error is raised again, the same way, next time.
 */
export function cachedParse<T>(kind: string, file: string, parse: () => T): T {
  let stamp: string;
  try {
    const st = statSync(file);
    stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return parse(); // missing or unreadable: let the parser say so
  }
  // The build's own stamp too: a new berth (another schema, another parsed shape) parses again.
  const key = `${kind}\0${path.resolve(file)}\0${buildStamp()}`;
  const entry = parsedFile(key);
  try {
    const cached = JSON.parse(readFileSync(entry, 'utf8')) as { key: string; stamp: string; value: T };
    if (cached.key === key && cached.stamp === stamp) return cached.value;
  } catch {
    // no entry yet, or a damaged one: parse again
  }
  const value = parse();
  try {
    writePrivateFile(entry, JSON.stringify({ key, stamp, value }));
  } catch {
    // a read-only cache only costs speed
  }
  return value;
}

let build: string | undefined;

/** This berth's build, as the time its code was written: the bundle or module running now. */
function buildStamp(): string {
  if (build === undefined) {
    try {
      build = String(statSync(fileURLToPath(import.meta.url)).mtimeMs);
    } catch {
      build = 'unknown';
    }
  }
  return build;
}
