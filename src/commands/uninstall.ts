import { Args } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class Uninstall extends BaseCommand {
  static override summary = "Remove tools' shims from the shim directory.";
  static override description = 'Only shims berth wrote are removed; any other file of that name is left alone (exit 1). Cached images stay: berth gc and docker image rm remove them.';
  static override examples = ['<%= config.bin %> uninstall shellcheck jq'];
  static override strict = false;
  static override args = { tool: Args.string({ description: 'tool names', required: true }) };

  async run(): Promise<void> {
    const { argv } = await this.parse(Uninstall);
    const { shimDirectory } = await import('../platform/settings.js');
    const { uninstallShim } = await import('../core/shims.js');
    const { reportError } = await import('../platform/errors.js');
    const dir = shimDirectory();
    for (const name of argv as string[]) {
      try {
        const shim = uninstallShim(dir, name);
        this.out(`removed ${shim.path}`);
      } catch (error) {
        // Every name is tried; the exit code is the last failure's.
        if (!reportError(error)) throw error;
      }
    }
  }
}
