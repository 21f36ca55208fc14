import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { warn, warnAt } from '../platform/terminal-text.js';

export default class Sync extends BaseCommand {
  static override summary = 'Pull (or build) every tool berth.yaml pins and write berth.lock with the digests the registry served.';
  static override description = `berth.lock records, for each pinned tool, the exact image reference and its sha256 digest; runs inside the project then use that digest on every machine, even if the tag moves. A tool already locked for the same version keeps its digest; --update resolves every tag again. A tool whose recipe builds its image is built if missing (again with --update), and locked with the built image's id and the base it was built from (BERTH_BASE_IMAGE replaces that base).
--check only compares berth.lock with berth.yaml, without the engine: it exits 1, with one line per problem, when berth.lock is missing, malformed or stale (for CI).`;

  static override examples = ['<%= config.bin %> sync', '<%= config.bin %> sync --check', '<%= config.bin %> sync --update'];
  static override flags = {
    check: Flags.boolean({ description: 'exit 1 if berth.lock is missing, malformed or out of date; change nothing' }),
    update: Flags.boolean({ description: 'resolve every tag again, even for tools already locked', exclusive: ['check'] }),
    quiet: Flags.boolean({ char: 'q', description: 'no pull or build progress' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Sync);
    const { checkSync, syncWithEngine } = await import('../app/sync.js');
    if (flags.check) {
      const check = checkSync(process.cwd());
      for (const p of check.problems) warnAt(`${p.message}; ${p.fix}`);
      if (check.problems.length > 0) process.exitCode = 1;
      else this.out(`${check.files.lockFile} is in sync with berth.yaml (${check.tools} tool${check.tools === 1 ? '' : 's'})`);
      return;
    }
    const result = await syncWithEngine(process.cwd(), { update: flags.update, quiet: flags.quiet });
    if (result.replacedBrokenLock) warn(`replaced a malformed berth.lock (${result.replacedBrokenLock})`);
    for (const t of result.tools) {
      const what = t.entry.base === undefined ? `${t.entry.image}@${t.entry.digest}` : `${t.entry.image} (image ${t.entry.digest}, built from ${t.entry.base})`;
      this.out(`${t.state === 'kept' ? 'kept  ' : 'locked'} ${t.entry.name} ${t.entry.version} ${what}`);
    }
    this.out(result.written ? `wrote ${result.files.lockFile}` : `${result.files.lockFile} unchanged`);
  }
}
