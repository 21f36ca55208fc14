import { Flags } from '@oclif/core';
import { allUsersFlag, BaseCommand } from '../../base-command.js';
import { warn } from '../../platform/terminal-text.js';

export default class WarmLs extends BaseCommand {
  static override summary = 'List your warm containers: tool, image, key, idle time left, id.';
  static override description = `A warm container (recipe "warm: true", berth run --warm, or the setting "warm") keeps running after a call, and later calls of the same tool, image, directory and mounts run in it. It stops by itself after its idle time (setting "warmIdleMinutes", default 10); IDLE LEFT counts from the last call your berth knows of. Only your warm containers are listed; root sees everyone's with --all-users, with their UID (- for one from before berth labelled it).`;

  static override examples = ['<%= config.bin %> warm ls', '<%= config.bin %> warm ls --json', { description: "As root, every user's:", command: '<%= config.bin %> warm ls --all-users' }];
  static override flags = {
    json: Flags.boolean({ description: 'print JSON (the shape is documented in docs/json-output.md)' }),
    'all-users': allUsersFlag("list every user's warm containers, not only yours"),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(WarmLs);
    const { ownerFilter } = await import('../../runtime/container/owner.js');
    const owners = ownerFilter(flags['all-users']);
    const { engineApi } = await import('../../runtime/http/engine-api.js');
    const { engineFailure } = await import('../../runtime/http/endpoint.js');
    const { listWarm } = await import('../../warm/list.js');
    const { formatDuration } = await import('../../ui/units.js');
    const api = engineApi();
    try {
      const list = await listWarm(api, { owners }).catch((error: unknown) => {
        throw engineFailure(error, 'listing warm containers');
      });
      if (flags.json) {
        this.out(JSON.stringify(list, null, 2));
        return;
      }
      // Why a tool is not kept warm, as its last call found (stderr: the table stays the table).
      const { unavailableTools } = await import('../../warm/state.js');
      for (const [tool, memo] of unavailableTools()) {
        const when = new Date(memo.at).toISOString();
        warn(`${tool} is not kept warm: ${memo.reason} (${when}; ${memo.lasting ? 'tried again after 24 h' : 'tried again at its next call'})`);
      }
      if (list.length === 0) {
        warn('no warm containers');
        return;
      }
      const { formatTable } = await import('../../ui/table.js');
      const head = ['TOOL', 'IMAGE', 'KEY', 'IDLE LEFT', 'ID'];
      const rows = list.map((c) => [c.tool, c.image, c.key.slice(0, 12), formatDuration(c.idleLeftSeconds), c.id.slice(0, 12)]);
      // Whose, when they may be anyone's.
      if (flags['all-users']) {
        head.push('UID');
        rows.forEach((row, i) => row.push(String(list[i]!.uid ?? '-')));
      }
      for (const line of formatTable(head, rows)) this.out(line);
    } finally {
      api.close();
    }
  }
}
