import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { describeSource, SETTING_KEYS_TEXT } from '../../platform/settings.js';
import { warn } from '../../platform/terminal-text.js';

export default class ConfigGet extends BaseCommand {
  static override summary = 'Print the value of a setting in force: its variable, else the settings file, else the default (exit 1 when none applies).';
  static override description = `Settings: ${SETTING_KEYS_TEXT}. Where the value comes from is said on stderr when it is not the settings file.`;
  static override examples = ['<%= config.bin %> config get pullPolicy'];
  static override args = { key: Args.string({ description: SETTING_KEYS_TEXT, required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(ConfigGet);
    const { getSetting } = await import('../../app/config.js');
    const { key, setting } = getSetting(args.key);
    if (setting.value === undefined) {
      warn(`${key} is not set${setting.source === 'environment' ? ` (${describeSource(setting)})` : ''}`);
      process.exitCode = 1;
      return;
    }
    this.out(String(setting.value));
    if (setting.source !== 'settings file') warn(`${key}: ${describeSource(setting)}`);
  }
}
