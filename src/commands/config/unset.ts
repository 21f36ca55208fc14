import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { SETTING_KEYS_TEXT } from '../../platform/settings.js';

export default class ConfigUnset extends BaseCommand {
  static override summary = 'Remove a user setting, so its default applies.';
  static override examples = ['<%= config.bin %> config unset registryMirror'];
  static override args = { key: Args.string({ description: SETTING_KEYS_TEXT, required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(ConfigUnset);
    const { unsetSetting } = await import('../../app/config.js');
    const { key, had } = await unsetSetting(args.key);
    this.out(had ? `unset ${key}` : `${key} was not set`);
  }
}
