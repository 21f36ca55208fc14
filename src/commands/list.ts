import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class List extends BaseCommand {
  static override summary = 'List every recipe berth can find, with its version and where it comes from.';
  static override description = `Sources, highest precedence first: project (.berth/recipes), path (BERTH_RECIPES_PATH), user (~/.config/berth/recipes), builtin.
A recipe file that cannot be read is reported on stderr; the others are still listed.
--installed lists the shims berth install wrote instead: name, the version baked in (- when it follows the project or the recipe), path.`;

  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --json', '<%= config.bin %> list --installed'];
  static override flags = {
    json: Flags.boolean({ description: 'print JSON (the shape is documented in docs/json-output.md)' }),
    installed: Flags.boolean({ description: 'list the installed shims instead of the recipes' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(List);
    const { formatTable, listEntry } = await import('../recipes/listing.js');
    if (flags.installed) {
      const { shimDirectory } = await import('../config/settings.js');
      const { listShims } = await import('../shims/shims.js');
      const dir = shimDirectory();
      const shims = listShims(dir).map((s) => ({ name: s.name, version: s.version ?? null, path: s.path }));
      if (flags.json) this.out(JSON.stringify(shims, null, 2));
      else if (shims.length === 0) process.stderr.write(`berth: no shims installed in ${dir}\n`);
      else for (const line of formatTable(['NAME', 'VERSION', 'PATH'], shims.map((s) => [s.name, s.version ?? '-', s.path]))) this.out(line);
      return;
    }
    const { loadCatalog, recipeDirectories } = await import('../recipes/catalog.js');
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
