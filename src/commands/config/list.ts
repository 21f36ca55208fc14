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
    const { openSettings } = await import('../../platform/settings-store.js');
    const store = await openSettings();
    for (const problem of store.invalid()) warn(`${store.file}: ${problem}`);
    const entries = store.list();
    if (flags.json) {
      this.out(JSON.stringify(Object.fromEntries(entries), null, 2));
      return;
    }
    const { describeSource, effectiveSetting, SETTING_KEYS } = await import('../../platform/settings.js');
    const lines = SETTING_KEYS.map((key) => {
      const setting = effectiveSetting(key);
      return [`${key}=${setting.value ?? ''}`, `(${describeSource(setting)})`];
    });
    const width = Math.max(...lines.map(([kv]) => kv!.length));
    for (const [kv, source] of lines) this.out(`${kv!.padEnd(width)}  ${source}`);
  }
}
