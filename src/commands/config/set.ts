import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { SETTING_KEYS_TEXT } from '../../platform/settings.js';

export default class ConfigSet extends BaseCommand {
  static override summary = 'Set a user setting.';
  static override description = `shimDir: where berth install writes shims (an absolute path; BERTH_SHIM_DIR overrides it).
pullPolicy: when runs pull images: missing (default), always, never.
registryMirror: host[:port] of a mirror that docker.io images are pulled through (BERTH_REGISTRY_MIRROR overrides it).
warm: true runs every tool warm (its container kept running, later calls run in it) unless --no-warm; false never (unless --warm).
warmIdleMinutes: minutes a warm container waits for a call before it stops itself (default 10).
toolPlatforms: TOOL=OS/ARCH pairs separated by "," (jq=linux/amd64): those tools run as that platform's image, emulated where the engine can (as berth run --platform).
An unknown key or a bad value is refused with the valid ones (exit 1).`;

  static override examples = ['<%= config.bin %> config set pullPolicy always', '<%= config.bin %> config set shimDir ~/bin', '<%= config.bin %> config set registryMirror mirror.example.com:5000'];
  static override args = {
    key: Args.string({ description: SETTING_KEYS_TEXT, required: true }),
    value: Args.string({ description: 'the value', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(ConfigSet);
    const { setSetting } = await import('../../app/config.js');
    const { key, stored } = await setSetting(args.key, args.value);
    this.out(`${key}=${stored}`);
  }
}
