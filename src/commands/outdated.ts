import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { EngineError, reportError } from '../platform/errors.js';
import { warn } from '../platform/terminal-text.js';

export default class Outdated extends BaseCommand {
  static override summary = 'Compare the versions in use with the newest ones in the images\' registries.';
  static override description = `Checks the project's pins (berth.yaml), or the named tools, or outside a project the installed shims. The newest version is read from the registry's tag list, through the registry mirror when one is set and with the credentials pulls use, as the recipe's image writes its tags (v{version}, {version}-alpine); versions are ordered as semver orders them, and pre-releases count only with --pre.
Exits 0 when every tool is current, 1 when one is outdated (for CI), 125 when a registry cannot be read.`;

  static override examples = ['<%= config.bin %> outdated', '<%= config.bin %> outdated jq shellcheck', '<%= config.bin %> outdated --json'];
  static override strict = false;
  static override args = {
    tool: Args.string({ description: 'tools to check (TOOL or TOOL@VERSION); default: the project\'s pins, else the installed shims' }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print JSON (the shape is documented in docs/json-output.md)' }),
    pre: Flags.boolean({ description: 'count pre-releases (1.8.0-rc1) as newer versions' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Outdated);
    const { findOutdated } = await import('../app/outdated.js');
    try {
      const result = await findOutdated(argv as string[], process.cwd(), { prerelease: flags.pre });
      const { formatOutdated } = await import('../ui/outdated-view.js');
      const failed = result.failures.length > 0;
      // Offline, every tool fails alike: the failure's one line says it all.
      const all = failed && result.tools.every((t) => t.state === 'unknown');
      if (flags.json) this.out(JSON.stringify(result.tools, null, 2));
      else if (result.tools.length === 0) warn(result.scope === 'project' ? 'berth.yaml pins no tools' : 'no tools to check: no shims are installed (name tools: berth outdated jq)');
      else if (!all) {
        for (const line of formatOutdated(result.tools)) this.out(line);
        for (const t of result.tools) if (t.state === 'unknown' && !result.failures.includes(t.reason ?? '')) warn(`${t.name}: ${t.reason}`);
      }
      if (failed) throw new EngineError(result.failures.join('\n'));
      if (result.tools.some((t) => t.state === 'outdated')) process.exitCode = 1;
    } catch (error) {
      // 1 means "outdated" here: any failure, a broken berth.yaml too, is 125.
      if (!reportError(error)) throw error;
      process.exitCode = 125;
    }
  }
}
