import { Flags } from '@oclif/core';
import { allUsersFlag, BaseCommand } from '../base-command.js';

export default class Gc extends BaseCommand {
  static override summary = "Remove containers left behind by berth processes that are gone, and warm containers' files, built images and workspace volumes that nothing uses any more.";
  static override description = `Only your containers are removed, and only your berth's files; root removes everyone's left-behind containers with --all-users (its files stay its own).
A container is left behind when its berth is proven gone (its run socket refuses connections), never guessed from a pid. Images you had berth build (berth-build/TOOL:HASH) go when TOOL's recipe, as berth sees it from the current directory, no longer builds them (an older build section, another base) and no container uses them; builds of tools berth does not see from here stay. Your workspace volumes (on an engine that cannot see this machine's files) go when their folder is gone, berth keeps no manifest for them, or no run used them for 7 days. --dry-run lists what would be removed, and why, and removes nothing.`;
  static override examples = [
    '<%= config.bin %> gc',
    { description: 'What gc would remove, and why, removing nothing:', command: '<%= config.bin %> gc --dry-run' },
    { description: "As root, every user's:", command: '<%= config.bin %> gc --all-users' },
  ];
  static override flags = {
    'all-users': allUsersFlag("remove every user's left-behind containers, not only yours"),
    'dry-run': Flags.boolean({ description: 'list what would be removed, and why; remove nothing' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Gc);
    const { collectGarbage } = await import('../app/gc.js');
    const { formatRemoved, formatWouldRemove } = await import('../ui/gc-view.js');
    const garbage = await collectGarbage({ allUsers: flags['all-users'], dryRun: flags['dry-run'] });
    const lines = flags['dry-run'] ? formatWouldRemove(garbage) : formatRemoved(garbage);
    for (const line of lines) this.out(line);
  }
}
