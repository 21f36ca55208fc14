import { Flags } from '@oclif/core';
import { allUsersFlag, BaseCommand } from '../base-command.js';

export default class Gc extends BaseCommand {
  static override summary = "Remove containers left behind by berth processes that are gone, and warm containers' files that nothing uses any more.";
  static override description = `Only your containers are removed, and only your berth's files; root removes everyone's left-behind containers with --all-users (its files stay its own).
A container is left behind when its berth is proven gone (its run socket refuses connections), never guessed from a pid. --dry-run lists what would be removed, and why, and removes nothing.`;
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
    const lines = flags['dry-run'] ? formatWouldRemove(garbage.containers, garbage.files) : formatRemoved(garbage.containers);
    for (const line of lines) this.out(line);
  }
}
