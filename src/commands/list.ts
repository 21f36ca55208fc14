import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { warn, warnAt } from '../platform/terminal-text.js';

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
    const { listOutput } = await import('../app/list.js');
    const output = await listOutput(flags);
    for (const note of output.notes) (note.located ? warnAt : warn)(note.text);
    for (const line of output.lines) this.out(line);
  }
}
