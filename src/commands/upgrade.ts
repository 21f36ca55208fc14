import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { EngineError } from '../platform/errors.js';
import { warn } from '../platform/terminal-text.js';

export default class Upgrade extends BaseCommand {
  static override summary = 'Move the project\'s pins to the newest versions and sync berth.lock.';
  static override description = `In a project, every outdated pin of berth.yaml (or the named ones) moves to the newest version that berth outdated finds, keeping berth.yaml's comments and order, and berth.lock is synced; each change is printed as "jq 1.7.1 -> 1.8.1". --dry-run only prints. A new version the recipe does not list is allowed: berth.lock takes its digest from the registry, as for any pin.
Outside a project nothing is pinned, so nothing changes: the built-in recipes move with berth's own releases; upgrade lists what outdated found.`;

  static override examples = ['<%= config.bin %> upgrade', '<%= config.bin %> upgrade jq --dry-run'];
  static override strict = false;
  static override args = {
    tool: Args.string({ description: 'pinned tools to upgrade; default: every outdated pin' }),
  };

  static override flags = {
    'dry-run': Flags.boolean({ description: 'print the changes, change nothing' }),
    pre: Flags.boolean({ description: 'count pre-releases (1.8.0-rc1) as newer versions' }),
    quiet: Flags.boolean({ char: 'q', description: 'no pull or build progress' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Upgrade);
    const { upgrade } = await import('../app/upgrade.js');
    const { formatChange } = await import('../ui/outdated-view.js');
    const result = await upgrade(argv as string[], process.cwd(), { prerelease: flags.pre, dryRun: flags['dry-run'], quiet: flags.quiet });
    if (result.outdated.failures.length > 0) throw new EngineError(`nothing upgraded: ${result.outdated.failures.join('\n')}`);
    for (const t of result.outdated.tools) if (t.state === 'unknown') warn(`${t.name}: ${t.reason}`);
    if (!result.inProject) {
      warn('not in a project: nothing is pinned, so nothing changes; the built-in recipes move with berth\'s own releases (pin versions in a project with berth use)');
      for (const c of result.changes) this.out(`${formatChange(c)} (available)`);
      if (result.changes.length === 0) this.out('every tool is current');
      return;
    }
    for (const c of result.changes) {
      this.out(formatChange(c));
      if (c.unlisted) warn(`${c.name} ${c.to} is not among the recipe's versions; berth.lock takes its digest from the registry`);
    }
    if (result.changes.length === 0) this.out('every pin is current');
    else if (flags['dry-run']) this.out(`dry run: ${result.outdated.project!.manifestFile} unchanged`);
    else if (result.sync) this.out(`wrote ${result.outdated.project!.manifestFile} and ${result.sync.files.lockFile}`);
  }
}
