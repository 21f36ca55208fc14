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
    const { uninstallTools } = await import('../app/uninstall.js');
    const { reportError } = await import('../platform/errors.js');
    for (const result of uninstallTools(argv as string[])) {
      if ('removed' in result) this.out(`removed ${result.removed}`);
      // The exit code is the last failure's.
      else if (!reportError(result.error)) throw result.error;
    }
  }
}
