import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { warn } from '../../terminal-text.js';

export default class ConfigList extends BaseCommand {
  static override summary = 'List the settings that are set, as key=value.';
  static override description = 'Entries of the settings file that are not valid settings are reported on stderr; runs ignore them.';
  static override examples = ['<%= config.bin %> config list', '<%= config.bin %> config list --json'];
  static override flags = { json: Flags.boolean({ description: 'print a JSON object of the settings that are set' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigList);
    const { openSettings } = await import('../../config/store.js');
    const store = await openSettings();
    for (const problem of store.invalid()) warn(`berth: ${store.file}: ${problem}`);
    const entries = store.list();
    if (flags.json) this.out(JSON.stringify(Object.fromEntries(entries), null, 2));
    else for (const [key, value] of entries) this.out(`${key}=${value}`);
  }
}
