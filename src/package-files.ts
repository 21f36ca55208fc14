import { fileURLToPath } from 'node:url';

/**
 * Files of the berth package, found from this module's place: it sits one level below the
 * package root (dist/, or src/ under tsx), and so does the bundled CLI (dist/cli.js, see
 * scripts/bundle.ts) that carries a copy of it, so the same relative paths hold everywhere.
 */
export function packageFile(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

/** A file among berth's compiled modules (dist/). */
export function compiledFile(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}
