import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class Install extends BaseCommand {
  static override summary = 'Put tools on PATH: write a shim per tool into the shim directory and pull its image.';
  static override description = `A shim is a small script that runs \`berth run TOOL "$@"\`, so scripts, editors and Makefiles call the tool by name. Inside a project it runs the version berth.yaml pins (and berth.lock's digest); TOOL@VERSION bakes that version into the shim instead.
The shim directory is BERTH_SHIM_DIR, else the shimDir setting (berth config set shimDir DIR), else ~/.local/bin. A file there that berth did not write is never overwritten.`;

  static override examples = [
    '<%= config.bin %> install shellcheck jq',
    '<%= config.bin %> install shellcheck@0.10.0',
    'BERTH_SHIM_DIR=~/bin <%= config.bin %> install jq',
  ];

  static override strict = false;
  static override args = {
    tool: Args.string({ description: 'tool names, each optionally with @version', required: true }),
  };

  static override flags = {
    pull: Flags.boolean({ allowNo: true, default: true, description: 'pull the images now (--no-pull: at first use)' }),
    quiet: Flags.boolean({ char: 'q', description: 'no pull progress' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Install);
    const { installTools } = await import('../app/install.js');
    await installTools(argv as string[], process.cwd(), (line) => this.out(line), { pull: flags.pull, quiet: flags.quiet });
  }
}
