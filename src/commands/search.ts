import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { BerthError } from '../platform/errors.js';
import { warn } from '../platform/terminal-text.js';

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
    const { searchCatalog } = await import('../app/search.js');
    const { entries, notes } = searchCatalog(args.term);
    for (const note of notes) warn(note);
    if (flags.json) this.out(JSON.stringify(entries, null, 2));
    if (entries.length === 0) throw new BerthError(`no recipe matches "${args.term}" (see berth list)`, 1);
    if (flags.json) return;
    const { formatTable } = await import('../ui/table.js');
    for (const line of formatTable(['NAME', 'VERSION', 'DESCRIPTION'], entries.map((e) => [e.name, e.version, e.description]))) this.out(line);
  }
}
