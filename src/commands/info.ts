import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class Info extends BaseCommand {
  static override summary = 'Show a recipe: every field, the image reference berth runs, the known versions, whether the image is cached.';
  static override description = `The reference is what \`berth run\` runs here: TOOL@VERSION's, else the version the project pins (and the digest berth.lock locks), else the recipe's default. The engine is asked whether the image is cached; when it cannot be reached, that is reported as unknown and info still succeeds.`;

  static override examples = [
    '<%= config.bin %> info shellcheck',
    '<%= config.bin %> info jq@1.7.1',
    '<%= config.bin %> info ffmpeg --json',
  ];

  static override args = {
    tool: Args.string({ description: 'tool name, optionally with @version', required: true }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print JSON (the shape is documented in docs/json-output.md)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Info);
    const { toolInfo } = await import('../app/info.js');
    const { formatInfo, formatUntrustedInfo } = await import('../ui/info-view.js');
    const shown = await toolInfo(args.tool, process.cwd());
    if ('untrusted' in shown) {
      if (!flags.json) for (const line of formatUntrustedInfo(shown.untrusted.recipe, shown.untrusted.shadowed)) this.out(line);
      throw shown.untrusted;
    }
    if (flags.json) this.out(JSON.stringify(shown.info, null, 2));
    else for (const line of formatInfo(shown)) this.out(line);
  }
}
