import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class Build extends BaseCommand {
  static override summary = "Build a tool's image now, from its recipe's build section.";
  static override description = `A recipe with a build section (a pinned base, apt or apk packages, run steps) is built on first use; berth build builds it on purpose, even when it is built already (the engine reuses unchanged steps unless --no-cache). The image is tagged berth-build/TOOL:HASH, HASH covering every build input, so a changed build section is a new image. Progress goes to stderr; the build log is kept, and its tail shown when the build fails (exit 125).
--base REF (or BERTH_BASE_IMAGE=REF) builds on REF instead of the recipe's build.from: for an engine that reaches no registry but has a base image.
A package spec (npm:NAME[@VERSION], apt:NAME[@VERSION]) builds the image berth run would build for it.`;

  static override examples = ['<%= config.bin %> build gifsicle', '<%= config.bin %> build gifsicle --no-cache', '<%= config.bin %> build gifsicle --base localhost:5000/debian:bookworm-slim', '<%= config.bin %> build npm:prettier@3.6.2'];
  static override args = { tool: Args.string({ required: true, description: 'the tool, TOOL[@VERSION]' }) };
  static override flags = {
    'no-cache': Flags.boolean({ description: "build every step again, none from the engine's cache" }),
    base: Flags.string({ description: "build on this base image instead of the recipe's build.from (default: $BERTH_BASE_IMAGE)" }),
    quiet: Flags.boolean({ char: 'q', description: 'no build progress' }),
    'host-ca': Flags.boolean({ allowNo: true, description: "give the build the host's CA certificates (default: the hostCa setting, on)" }),
    bin: Flags.string({ description: "for a package (npm:NAME, apt:NAME): the command its image runs, when not the package's own" }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Build);
    const { buildTool } = await import('../app/build.js');
    const built = await buildTool(args.tool, { base: flags.base, noCache: flags['no-cache'], quiet: flags.quiet, hostCa: flags['host-ca'], bin: flags.bin });
    this.out(`built ${built.tool} ${built.version}: ${built.tag} (${built.imageId.replace(/^sha256:/, '').slice(0, 12)}, from ${built.base})`);
  }
}
