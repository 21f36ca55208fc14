import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { warn } from '../../platform/terminal-text.js';

export default class ConfigList extends BaseCommand {
  static override summary = 'List every setting: its value in force and where it comes from.';
  static override description = 'One line per setting, KEY=VALUE and its source (set, from a variable, the default, or no default). --json gives the settings file\'s valid entries only (docs/json-output.md). Entries of the settings file that are not valid settings are reported on stderr; runs ignore them.';
  static override examples = ['<%= config.bin %> config list', '<%= config.bin %> config list --json'];
  static override flags = { json: Flags.boolean({ description: 'print a JSON object of the settings that are set' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigList);
    const { listSettings } = await import('../../app/config.js');
    const { file, invalid, stored, effective } = await listSettings();
    for (const problem of invalid) warn(`${file}: ${problem}`);
    if (flags.json) {
      this.out(JSON.stringify(Object.fromEntries(stored), null, 2));
      return;
    }
    const { describeSource } = await import('../../platform/settings.js');
    const { alignColumns } = await import('../../ui/table.js');
    for (const line of alignColumns(effective.map(({ key, setting }) => [`${key}=${setting.value ?? ''}`, `(${describeSource(setting)})`]))) this.out(line);
  }
}
