import { fileURLToPath } from 'node:url';

/**
 * The package root, found from this module's place: dist/platform/ (or src/platform/ under tsx),
 * two levels below it; the bundled CLI (dist/cli.js, see scripts/bundle.ts) carries a copy of
 * this module one level below it.
 */
const ROOT = new URL(/\/platform\/[^/]*$/.test(import.meta.url) ? '../../' : '../', import.meta.url);

/** A file of the berth package (recipes/, package.json, …). */
export function packageFile(relative: string): string {
  return fileURLToPath(new URL(relative, ROOT));
}

/** A file among berth's compiled modules (dist/). */
export function compiledFile(relative: string): string {
  return fileURLToPath(new URL(`dist/${relative}`, ROOT));
}
