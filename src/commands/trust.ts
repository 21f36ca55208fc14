import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { warn } from '../platform/terminal-text.js';

export default class Trust extends BaseCommand {
  static override summary = "Trust this project's own recipes (.berth/recipes), as they are now.";
  static override description = `A project recipe can name any image, the host network, the image's root user and secrets from your environment, so recipes that come with a checkout are not used until you trust them here. Trust is recorded for the project's path with a hash of every recipe file: when one changes, is added or removed, berth stops using them until you trust again. Until then, a run of a tool they define stops and says what it would change.
berth.yaml and berth.lock need no trust: they only choose versions and digests of recipes you already trust.`;

  static override examples = ['<%= config.bin %> trust --show', '<%= config.bin %> trust', '<%= config.bin %> trust --list'];

  static override flags = {
    show: Flags.boolean({ description: 'only show what each project recipe lets its tool reach, and whether it is trusted', exclusive: ['list'] }),
    list: Flags.boolean({ description: 'list every trusted project', exclusive: ['show'] }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Trust);
    const { listTrust, showTrust, trustHere } = await import('../app/trust.js');
    if (flags.list) {
      const lines = listTrust();
      if (lines.length === 0) warn('no trusted projects');
      for (const line of lines) this.out(line);
      return;
    }
    for (const line of flags.show ? showTrust(process.cwd()) : trustHere(process.cwd())) this.out(line);
  }
}
