import { allUsersFlag, BaseCommand } from '../base-command.js';

export default class Gc extends BaseCommand {
  static override summary = "Remove containers left behind by berth processes that are gone, warm containers' files and built images that nothing uses any more.";
  static override description = "Only your containers are removed, and only your berth's files; root removes everyone's left-behind containers with --all-users (its files stay its own). Images you had berth build (berth-build/TOOL:HASH) go when TOOL's recipe, as berth sees it from the current directory, no longer builds them (an older build section, another base) and no container uses them; builds of tools berth does not see from here stay.";
  static override examples = ['<%= config.bin %> gc', { description: "As root, every user's:", command: '<%= config.bin %> gc --all-users' }];
  static override flags = {
    'all-users': allUsersFlag("remove every user's left-behind containers, not only yours"),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Gc);
    const { collectGarbage } = await import('../app/gc.js');
    const { containers: removed, builds } = await collectGarbage({ allUsers: flags['all-users'] });
    for (const o of removed) this.out(`removed ${o.id.slice(0, 12)} (${o.tool}, its berth${o.pid ? ` (pid ${o.pid})` : ''} is gone)`);
    for (const b of builds) this.out(`removed ${b.image} (${b.tool}: an image berth built that nothing uses)`);
    const counts = [
      removed.length > 0 ? `${removed.length} container${removed.length === 1 ? '' : 's'}` : undefined,
      builds.length > 0 ? `${builds.length} built image${builds.length === 1 ? '' : 's'}` : undefined,
    ].filter((c) => c !== undefined);
    this.out(counts.length === 0 ? 'nothing to remove' : `removed ${counts.join(' and ')}`);
  }
}
