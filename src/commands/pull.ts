import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class Pull extends BaseCommand {
  static override summary = "Bring tools' images into the engine now (or build them, for recipes that build theirs), without writing shims or running anything.";
  static override description = `Each TOOL[@VERSION] is resolved as \`berth run\` resolves it here: the project's pin and berth.lock's digest, else the recipe's default, through the registry mirror when one is set. With no tool named, inside a project, every tool berth.yaml pins is pulled (as before going offline, or in a CI image).
An image named by tag is asked of the registry again, as docker pull does; one named by digest is pulled only when the engine lacks it. Every tool is tried; any that fails is named and the exit code is 125.`;

  static override examples = [
    '<%= config.bin %> pull jq shellcheck@0.10.0',
    { description: "Inside a project, every tool berth.yaml pins:", command: '<%= config.bin %> pull' },
  ];

  static override strict = false;
  static override args = {
    tool: Args.string({ description: 'tool names, each optionally with @version (none: every tool the project pins)' }),
  };

  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'no pull (or build) progress' }),
    base: Flags.string({ description: "build recipes that build their image on this base instead of their build.from (default: $BERTH_BASE_IMAGE)" }),
    platform: Flags.string({ description: "pull the images' OS/ARCH variant, e.g. linux/amd64 (default: the toolPlatforms setting)" }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Pull);
    const { pullTools } = await import('../app/pull.js');
    await pullTools(argv as string[], process.cwd(), {
      quiet: flags.quiet,
      base: flags.base,
      platform: flags.platform,
      done: (t) => this.out(t.state === 'pulled' ? `pulled ${t.name} ${t.version} (${t.reference})` : `${t.name} ${t.version}: already in the engine (${t.reference})`),
    });
  }
}
