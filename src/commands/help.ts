import { Args, loadHelpClass } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class HelpCommand extends BaseCommand {
  static override summary = 'Show help for berth, or for one of its commands (as COMMAND --help does).';
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help run', '<%= config.bin %> help warm stop'];
  static override strict = false;
  static override args = {
    command: Args.string({ description: 'the command, topics and all (warm stop)', required: false }),
  };

  async run(): Promise<void> {
    const { argv } = await this.parse(HelpCommand);
    const Help = await loadHelpClass(this.config);
    await new Help(this.config, this.config.pjson.oclif.helpOptions).showHelp(argv as string[]);
  }
}
