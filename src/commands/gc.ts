import { allUsersFlag, BaseCommand } from '../base-command.js';

export default class Gc extends BaseCommand {
  static override summary = "Remove containers left behind by berth processes that are gone, warm containers' files that nothing uses any more, and unused workspace volumes.";
  static override description = "Only your containers are removed, and only your berth's files; root removes everyone's left-behind containers with --all-users (its files stay its own).";
  static override examples = ['<%= config.bin %> gc', { description: "As root, every user's:", command: '<%= config.bin %> gc --all-users' }];
  static override flags = {
    'all-users': allUsersFlag("remove every user's left-behind containers, not only yours"),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Gc);
    const { collectGarbage } = await import('../app/gc.js');
    const { containers: removed, workspaces } = await collectGarbage({ allUsers: flags['all-users'] });
    for (const o of removed) this.out(`removed ${o.id.slice(0, 12)} (${o.tool}, its berth${o.pid ? ` (pid ${o.pid})` : ''} is gone)`);
    for (const w of workspaces) this.out(`removed workspace volume ${w.volume} (${w.source}: ${w.why})`);
    const said = [
      removed.length > 0 ? `${removed.length} container${removed.length === 1 ? '' : 's'}` : '',
      workspaces.length > 0 ? `${workspaces.length} workspace volume${workspaces.length === 1 ? '' : 's'}` : '',
    ].filter(Boolean);
    this.out(said.length === 0 ? 'nothing to remove' : `removed ${said.join(' and ')}`);
  }
}
