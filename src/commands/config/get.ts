import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { SETTING_KEYS_TEXT } from '../../config/settings.js';

export default class ConfigGet extends BaseCommand {
  static override summary = 'Print the value of a setting (exit 1 when it is not set).';
  static override description = 'Settings: shimDir, pullPolicy (missing|always|never), registryMirror (host[:port]), warm (true|false), warmIdleMinutes.';
  static override examples = ['<%= config.bin %> config get pullPolicy'];
  static override args = { key: Args.string({ description: SETTING_KEYS_TEXT, required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(ConfigGet);
    const { openSettings, settingKey } = await import('../../config/store.js');
    const key = settingKey(args.key);
    const value = (await openSettings()).get(key);
    if (value === undefined) {
      process.stderr.write(`berth: ${key} is not set\n`);
      process.exitCode = 1;
    } else this.out(String(value));
  }
}
