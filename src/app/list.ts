import { listEntry } from '../core/recipes/listing.js';
import { formatTable } from '../ui/table.js';

/**
 * What `berth list` says, for the oclif command and for the start-up path that serves a plain
 * `berth list` without loading oclif: notes for stderr, said first (a `located` one begins with a
 * file's place: warnAt; the others are berth's own: warn), then the lines for stdout.
 */
export interface ListOutput {
  notes: Array<{ text: string; located: boolean }>;
  lines: string[];
}

export async function listOutput(flags: { json?: boolean; installed?: boolean }): Promise<ListOutput> {
  if (flags.installed) {
    const { shimDirectory } = await import('../platform/settings.js');
    const { listShims } = await import('../core/shims.js');
    const dir = shimDirectory();
    // A package's shim (berth install npm:NAME) says which package it runs: in VERSION, and as `package` in JSON.
    const shims = listShims(dir).map((s) => ({ name: s.name, version: s.version ?? null, path: s.path, ...(s.package ? { package: s.package } : {}) }));
    if (flags.json) return { notes: [], lines: [JSON.stringify(shims, null, 2)] };
    if (shims.length === 0) return { notes: [{ text: `no shims installed in ${dir}`, located: false }], lines: [] };
    return { notes: [], lines: formatTable(['NAME', 'VERSION', 'PATH'], shims.map((s) => [s.name, s.package ?? s.version ?? '-', s.path])) };
  }
  const { loadCatalog, recipeDirectories } = await import('../core/recipes/catalog.js');
  const catalog = loadCatalog(recipeDirectories());
  const notes = catalog.problems.map((p) => ({ text: p.message, located: !p.untrusted }));
  const entries = catalog.recipes.map(listEntry);
  if (flags.json) return { notes, lines: [JSON.stringify(entries, null, 2)] };
  if (entries.length === 0) return { notes: [...notes, { text: 'no recipes found', located: false }], lines: [] };
  const rows = entries.map((e) => [e.name, e.version, e.source, e.description]);
  return { notes, lines: formatTable(['NAME', 'VERSION', 'SOURCE', 'DESCRIPTION'], rows) };
}

/** The flags of a plain `berth list` command line, or undefined when oclif must parse it. */
export function plainListFlags(argv: string[]): { json?: boolean; installed?: boolean } | undefined {
  const flags: { json?: boolean; installed?: boolean } = {};
  for (const arg of argv) {
    if (arg === '--json') flags.json = true;
    else if (arg === '--installed') flags.installed = true;
    else return undefined;
  }
  return flags;
}
