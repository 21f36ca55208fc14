import { allUsersFlag, BaseCommand } from '../base-command.js';

export default class Gc extends BaseCommand {
  static override summary = "Remove containers left behind by berth processes that are gone, and warm containers' files that nothing uses any more.";
  static override description = "Only your containers are removed, and only your berth's files; root removes everyone's left-behind containers with --all-users (its files stay its own).";
  static override examples = ['<%= config.bin %> gc', { description: "As root, every user's:", command: '<%= config.bin %> gc --all-users' }];
  static override flags = {
    'all-users': allUsersFlag("remove every user's left-behind containers, not only yours"),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Gc);
    const { ownerFilter } = await import('../runtime/container/owner.js');
    const owners = ownerFilter(flags['all-users']);
    const { engineFailure } = await import('../runtime/http/endpoint.js');
    const { removeOrphans } = await import('../runtime/container/orphans.js');
    const { pruneWarmCache } = await import('../warm/list.js');
    const { engineApi } = await import('../runtime/http/engine-api.js');
    const removed = await removeOrphans(owners).catch((error: unknown) => {
      throw engineFailure(error, 'listing containers');
    });
    const api = engineApi();
    await pruneWarmCache(api)
      .catch((error: unknown) => {
        throw engineFailure(error, 'listing warm containers');
      })
      .finally(() => api.close());
    for (const o of removed) this.out(`removed ${o.id.slice(0, 12)} (${o.tool}, its berth${o.pid ? ` (pid ${o.pid})` : ''} is gone)`);
    this.out(removed.length === 0 ? 'nothing to remove' : `removed ${removed.length} container${removed.length === 1 ? '' : 's'}`);
  }
}
