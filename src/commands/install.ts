import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class Install extends BaseCommand {
  static override summary = 'Put tools on PATH: write a shim per tool into the shim directory and pull its image.';
  static override description = `A shim is a small script that runs \`berth run TOOL "$@"\`, so scripts, editors and Makefiles call the tool by name. Inside a project it runs the version berth.yaml pins (and berth.lock's digest); TOOL@VERSION bakes that version into the shim instead. A package (npm:NAME[@VERSION], apt:NAME[@VERSION]) gets a shim named after its command (--bin NAME for another), and its image is built.
The shim directory is BERTH_SHIM_DIR, else the shimDir setting (berth config set shimDir DIR), else ~/.local/bin. A file there that berth did not write is never overwritten.`;

  static override examples = [
    '<%= config.bin %> install shellcheck jq',
    '<%= config.bin %> install shellcheck@0.10.0',
    '<%= config.bin %> install npm:prettier@3.6.2',
    'BERTH_SHIM_DIR=~/bin <%= config.bin %> install jq',
  ];

  static override strict = false;
  static override args = {
    tool: Args.string({ description: 'tool names, each optionally with @version', required: true }),
  };

  static override flags = {
    pull: Flags.boolean({ allowNo: true, default: true, description: 'pull the images now (--no-pull: at first use)' }),
    quiet: Flags.boolean({ char: 'q', description: 'no pull or build progress' }),
    bin: Flags.string({ description: "for a package (npm:NAME, apt:NAME): the command to put on PATH, when not the package's own" }),
    'host-ca': Flags.boolean({ allowNo: true, description: "give builds the host's CA certificates (default: the hostCa setting, on)" }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Install);
    const { installTools } = await import('../app/install.js');
    await installTools(argv as string[], process.cwd(), (line) => this.out(line), { pull: flags.pull, quiet: flags.quiet, bin: flags.bin, hostCa: flags['host-ca'] });
  }
}
