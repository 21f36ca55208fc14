import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { BerthError } from '../platform/errors.js';

export default class Search extends BaseCommand {
  static override summary = 'Find recipes whose name, description or tags contain a term (ignoring case).';
  static override examples = ['<%= config.bin %> search lint', '<%= config.bin %> search video --json'];
  static override args = {
    term: Args.string({ description: 'word to look for', required: true }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print JSON (the shape is documented in docs/json-output.md)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Search);
    const { loadCatalog, recipeDirectories } = await import('../core/recipes/catalog.js');
    const { formatTable, listEntry, searchRecipes } = await import('../core/recipes/listing.js');
    const catalog = loadCatalog(recipeDirectories());
    const entries = searchRecipes(catalog.recipes, args.term).map(listEntry);
    const { warn } = await import('../platform/terminal-text.js');
    for (const p of catalog.problems) if (p.untrusted) warn(p.message);
    const unreadable = catalog.problems.filter((p) => !p.untrusted);
    if (unreadable.length > 0) {
      const n = unreadable.length;
      warn(`${n} recipe file${n === 1 ? '' : 's'} could not be read and ${n === 1 ? 'was' : 'were'} not searched (see berth recipes lint)`);
    }
    if (flags.json) this.out(JSON.stringify(entries, null, 2));
    if (entries.length === 0) throw new BerthError(`no recipe matches "${args.term}" (see berth list)`, 1);
    if (flags.json) return;
    const rows = entries.map((e) => [e.name, e.version, e.description]);
    for (const line of formatTable(['NAME', 'VERSION', 'DESCRIPTION'], rows)) this.out(line);
  }
}
