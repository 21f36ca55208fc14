import { BaseCommand } from '../base-command.js';

export default class Gc extends BaseCommand {
  static override summary = "Remove containers left behind by berth processes that are gone, and warm containers' files that nothing uses any more.";
  static override examples = ['<%= config.bin %> gc'];

  async run(): Promise<void> {
    await this.parse(Gc);
    const { engineFailure } = await import('../engine/connection.js');
    const { removeOrphans } = await import('../engine/orphans.js');
    const { pruneWarmCache } = await import('../engine/warm-list.js');
    const { engineApi } = await import('../engine/api.js');
    const removed = await removeOrphans().catch((error: unknown) => {
      throw engineFailure(error, 'listing containers');
    });
    const api = engineApi();
    await pruneWarmCache(api)
      .catch((error: unknown) => {
        throw engineFailure(error, 'listing warm containers');
      })
      .finally(() => api.close());
    for (const o of removed) this.out(`removed ${o.id.slice(0, 12)} (${o.tool}, berth pid ${o.pid} is gone)`);
    this.out(removed.length === 0 ? 'nothing to remove' : `removed ${removed.length} container${removed.length === 1 ? '' : 's'}`);
  }
}
