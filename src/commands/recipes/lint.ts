import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { warnAt } from '../../platform/terminal-text.js';

export default class RecipesLint extends BaseCommand {
  static override summary = 'Check recipe files; with no files, every recipe berth can find.';
  static override examples = ['<%= config.bin %> recipes lint', '<%= config.bin %> recipes lint ~/.config/berth/recipes/mytool.yaml'];
  static override strict = false;
  static override args = { file: Args.string({ description: 'recipe files to check' }) };

  async run(): Promise<void> {
    const { argv } = await this.parse(RecipesLint);
    const { lintRecipes } = await import('../../core/recipes/lint.js');
    const { checked, problems, warnings } = lintRecipes(argv as string[]);
    for (const p of problems) warnAt(p.message);
    for (const w of warnings) warnAt(w);
    if (problems.length > 0) {
      process.exitCode = 1;
      process.stderr.write(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${checked} recipe file${checked === 1 ? '' : 's'}\n`);
    } else this.out(`${checked} recipe file${checked === 1 ? '' : 's'} OK`);
  }
}
