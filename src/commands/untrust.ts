import { Args } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class Untrust extends BaseCommand {
  static override summary = "Stop trusting a project's own recipes.";
  static override description = 'Its .berth/recipes are no longer used (runs of the tools they define stop) until berth trust again.';
  static override examples = ['<%= config.bin %> untrust', '<%= config.bin %> untrust ~/src/app'];
  static override args = { dir: Args.string({ description: "the project's directory (default: the project around the current directory)" }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Untrust);
    const { untrustHere } = await import('../app/trust.js');
    for (const line of untrustHere(process.cwd(), args.dir)) this.out(line);
  }
}
