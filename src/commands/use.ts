import { Args } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { warn } from '../platform/terminal-text.js';

export default class Use extends BaseCommand {
  static override summary = "Pin a tool's version for this project in berth.yaml.";
  static override description = `Adds or changes the pin in the nearest berth.yaml (here or above), creating berth.yaml in the current directory when there is no project. Comments and order are kept. Without @VERSION the recipe's default version is pinned.
Then run berth sync to lock the image's digest in berth.lock.`;

  static override examples = ['<%= config.bin %> use shellcheck@0.10.0', '<%= config.bin %> use jq', '<%= config.bin %> use jq@1.7.1 shellcheck@0.10.0'];
  static override strict = false;
  static override args = { tool: Args.string({ description: 'tool names, each optionally with @version', required: true }) };

  async run(): Promise<void> {
    const { argv } = await this.parse(Use);
    const { usePins } = await import('../app/use.js');
    for (const r of await usePins(argv as string[], process.cwd())) {
      if (r.warning) warn(`note: ${r.warning}`);
      const what = `${r.name} ${r.version}`;
      if (!r.changed) this.out(`${r.file} already pins ${what}`);
      else this.out(`${r.previous ? `changed ${r.name} from ${r.previous} to ${r.version}` : `pinned ${what}`} in ${r.file}; run berth sync to lock its digest`);
    }
  }
}
