import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class List extends BaseCommand {
  static override summary = 'List every recipe berth can find, with its version and where it comes from.';
  static override description = `Sources, highest precedence first: project (.berth/recipes), path (BERTH_RECIPES_PATH), user (~/.config/berth/recipes), builtin.
A recipe file that cannot be read is reported on stderr; the others are still listed.`;

  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --json'];
  static override flags = {
    json: Flags.boolean({ description: 'print JSON (the shape is documented in docs/json-output.md)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(List);
    const { loadCatalog, recipeDirectories } = await import('../recipes/catalog.js');
    const { formatTable, listEntry } = await import('../recipes/listing.js');
    const catalog = loadCatalog(recipeDirectories());
    for (const problem of catalog.problems) process.stderr.write(`${problem.message}\n`);
    const entries = catalog.recipes.map(listEntry);
    if (flags.json) {
      this.out(JSON.stringify(entries, null, 2));
      return;
    }
    if (entries.length === 0) {
      process.stderr.write('berth: no recipes found\n');
      return;
    }
    const rows = entries.map((e) => [e.name, e.version, e.source, e.description]);
    for (const line of formatTable(['NAME', 'VERSION', 'SOURCE', 'DESCRIPTION'], rows)) this.out(line);
  }
}
