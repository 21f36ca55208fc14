import { Args } from '@oclif/core';
import { allUsersFlag, BaseCommand } from '../../base-command.js';

export default class WarmStop extends BaseCommand {
  static override summary = "Stop your warm containers, all of them or one tool's.";
  static override description = "A stopped warm container is removed; the next warm call of its tool starts a new one. Calls running in it end as if killed (exit code 137). Other users' warm containers are left alone; root stops everyone's with --all-users.";

  static override examples = ['<%= config.bin %> warm stop', '<%= config.bin %> warm stop shellcheck', { description: "As root, every user's:", command: '<%= config.bin %> warm stop --all-users' }];
  static override args = {
    tool: Args.string({ description: 'only the warm containers of this tool', required: false }),
  };
  static override flags = {
    'all-users': allUsersFlag("stop every user's warm containers, not only yours"),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(WarmStop);
    const { stopWarmContainers } = await import('../../app/warm.js');
    const stopped = await stopWarmContainers(args.tool, { allUsers: flags['all-users'] });
    for (const c of stopped) this.out(`stopped ${c.id.slice(0, 12)} (${c.tool})`);
    if (stopped.length === 0) this.out(args.tool ? `no warm containers of ${args.tool}` : 'no warm containers');
  }
}
