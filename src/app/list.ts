import { formatTable, listEntry } from '../core/recipes/listing.js';

/**
 * What `berth list` prints, for the oclif command and for the start-up path that serves a plain
 * `berth list` without loading oclif. Writes to stdout, problems to stderr.
 */
export async function printList(flags: { json?: boolean; installed?: boolean }): Promise<void> {
  const { printable, warn, warnAt } = await import('../platform/terminal-text.js');
  const out = (line: string) => process.stdout.write(`${printable(line, true)}\n`);
  if (flags.installed) {
    const { shimDirectory } = await import('../platform/settings.js');
    const { listShims } = await import('../core/shims.js');
    const dir = shimDirectory();
    const shims = listShims(dir).map((s) => ({ name: s.name, version: s.version ?? null, path: s.path }));
    if (flags.json) out(JSON.stringify(shims, null, 2));
    else if (shims.length === 0) warn(`no shims installed in ${dir}`);
    else for (const line of formatTable(['NAME', 'VERSION', 'PATH'], shims.map((s) => [s.name, s.version ?? '-', s.path]))) out(line);
    return;
  }
  const { loadCatalog, recipeDirectories } = await import('../core/recipes/catalog.js');
  const catalog = loadCatalog(recipeDirectories());
  for (const problem of catalog.problems) (problem.untrusted ? warn : warnAt)(problem.message);
  const entries = catalog.recipes.map(listEntry);
  if (flags.json) {
    out(JSON.stringify(entries, null, 2));
    return;
  }
  if (entries.length === 0) {
    warn('no recipes found');
    return;
  }
  const rows = entries.map((e) => [e.name, e.version, e.source, e.description]);
  for (const line of formatTable(['NAME', 'VERSION', 'SOURCE', 'DESCRIPTION'], rows)) out(line);
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
