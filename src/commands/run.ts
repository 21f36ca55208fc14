import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

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

  static override flags = {
    pull: Flags.option({ options: ['missing', 'always', 'never'] as const, description: 'when to pull the image (default: missing)' })(),
    env: Flags.string({ char: 'e', multiple: true, description: 'set KEY=VALUE, or pass KEY from your environment' }),
    volume: Flags.string({ char: 'v', multiple: true, description: 'also mount HOST:CONTAINER[:ro]' }),
    network: Flags.option({ options: ['none', 'bridge', 'host'] as const, description: "override the recipe's network" })(),
    tty: Flags.boolean({ allowNo: true, description: 'force a TTY on or off (default: when stdin and stdout are terminals)' }),
    image: Flags.string({ description: "use this image instead of the recipe's (keeps the rest of the recipe)" }),
    'dry-run': Flags.boolean({ description: 'print the equivalent docker run command and exit' }),
    'path-mounts': Flags.boolean({ allowNo: true, default: true, description: 'mount absolute and .. paths named in the arguments' }),
    quiet: Flags.boolean({ char: 'q', description: 'no pull progress' }),
  };

  async run(): Promise<void> {
    // Only the part before the tool name is berth's: the rest is the tool's, untouched.
    const { split } = await import('../run/argv.js');
    const { own, tool, rest } = split(this.argv, Run.flags);
    const { flags } = await this.parse(Run, tool === undefined ? own : [...own, '--', tool]);
    if (tool === undefined) this.error('berth run needs a tool name, e.g. berth run jq --version', { exit: 125 });
    const request = {
      tool,
      args: rest,
      pull: flags.pull,
      env: flags.env,
      volumes: flags.volume,
      network: flags.network,
      tty: flags.tty,
      image: flags.image,
      pathMounts: flags['path-mounts'],
      quiet: flags.quiet,
    };
    const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
    if (flags['dry-run']) {
      const { planTool } = await import('../run/run-tool.js');
      const { dockerRunArgs, shellQuote } = await import('../run/docker-command.js');
      this.out(dockerRunArgs(await planTool(request, io)).map(shellQuote).join(' '));
      return;
    }
    const { runTool } = await import('../run/run-tool.js');
    process.exitCode = await runTool(request, io);
  }
}
