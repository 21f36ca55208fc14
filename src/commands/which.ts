import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class Which extends BaseCommand {
  static override summary = 'Show what `berth run TOOL` would run here, and why.';
  static override description = `The recipe file and where it was found (project, BERTH_RECIPES_PATH, user, built-in), the version and where it came from (TOOL@VERSION, the berth.yaml line that pins it, the recipe's default), the image reference and its digest (berth.lock's or the recipe's), the engine berth would talk to, and whether the run would be warm. Nothing is asked of the engine: it answers offline.`;

  static override examples = ['<%= config.bin %> which jq', '<%= config.bin %> which jq@1.7.1', '<%= config.bin %> which shellcheck --json'];

  static override args = {
    tool: Args.string({ description: 'tool name, optionally with @version', required: true }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print JSON (the shape is documented in docs/json-output.md)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Which);
    const { whichTool } = await import('../app/which.js');
    const { formatWhich } = await import('../ui/which-view.js');
    const answer = await whichTool(args.tool, process.cwd());
    if (flags.json) this.out(JSON.stringify(answer, null, 2));
    else for (const line of formatWhich(answer)) this.out(line);
  }
}
