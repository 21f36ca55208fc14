import { Args, Flags, type Interfaces } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { RUN_FLAGS, type FlagSpec } from '../core/run/run-flags.js';

/** oclif flags from berth's one table of run flags (see src/core/run/run-flags.ts). */
function oclifFlags(): Interfaces.FlagInput {
  const flags: Interfaces.FlagInput = {};
  for (const [name, spec] of Object.entries(RUN_FLAGS) as Array<[string, FlagSpec]>) {
    const common = { char: spec.char as 'e' | undefined, description: spec.description };
    flags[name] =
      spec.kind === 'boolean'
        ? Flags.boolean({ ...common, allowNo: spec.allowNo ?? false, default: spec.default })
        : spec.multiple
          ? Flags.string({ ...common, multiple: true })
          : Flags.string({ ...common, options: spec.options as string[] | undefined });
  }
  return flags;
}

/**
 * Help and usage for `berth run`. A command line that names a tool never reaches oclif: it is
 * run by src/app/run-command-line.ts (shared with shims), and so is this command's run().
 */
export default class Run extends BaseCommand {
  static override summary = 'Run a tool from its pinned image as if it were installed.';
  static override description = `Everything after the tool name goes to the tool unchanged, flags included; berth's own flags come before it.
The current directory is mounted at the same path, the tool runs as you, streams and exit codes pass through, and nothing is left behind.`;

  static override examples = [
    '<%= config.bin %> run jq --version',
    'cat data.json | <%= config.bin %> run jq .items',
    '<%= config.bin %> run shellcheck@0.10.0 deploy.sh',
    '<%= config.bin %> run --dry-run jq -r .name package.json',
  ];

  static override strict = false;
  static override args = {
    tool: Args.string({ description: 'tool name, optionally with @version', required: true }),
  };

  static override flags = oclifFlags();

  async run(): Promise<void> {
    const { runCommandLine } = await import('../app/run-command-line.js');
    if (!(await runCommandLine(this.argv))) {
      // No tool named (help flags never reach here: oclif serves them). oclif's own usage error
      // would list every flag in an order that contradicts the flags-before-tool rule.
      const { UsageError } = await import('../platform/errors.js');
      throw new UsageError('berth run needs a tool: berth run [FLAGS] TOOL[@VERSION] [TOOL ARGS...], e.g. berth run jq --version (berth run --help for the flags)');
    }
  }
}
