import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { warn } from '../../platform/terminal-text.js';

export default class RecipesNew extends BaseCommand {
  static override summary = 'Write a commented recipe skeleton for a tool, ready for berth recipes lint.';
  static override description = `The recipe goes into your recipe directory ($XDG_CONFIG_HOME/berth/recipes, default ~/.config/berth/recipes), or with --project into the project's .berth/recipes. The version is taken from the image's tag; every field is explained in comments.`;

  static override examples = [
    '<%= config.bin %> recipes new mytool --image ghcr.io/me/mytool:1.2.3',
    '<%= config.bin %> recipes new lint-docs --image docker.io/me/docs-lint:v2.0.1 --project',
  ];

  static override args = {
    name: Args.string({ description: 'the command name (also the file name)', required: true }),
  };

  static override flags = {
    image: Flags.string({ description: 'image reference with an exact version tag, e.g. docker.io/me/tool:1.2.3', required: true }),
    project: Flags.boolean({ description: "write into the project's .berth/recipes instead of your recipe directory" }),
    force: Flags.boolean({ description: 'replace an existing recipe file' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RecipesNew);
    const { writeNewRecipe } = await import('../../core/recipes/skeleton.js');
    const { file, warnings } = writeNewRecipe({ name: args.name, image: flags.image, project: flags.project, force: flags.force });
    for (const warning of warnings) warn(`note: ${warning}`);
    this.out(file);
    process.stderr.write(`edit it, then check it with: berth recipes lint ${file}\n`);
    // The project's trust covers its recipes as they were: this one is used once trusted.
    if (flags.project) process.stderr.write('project recipes are used once trusted: berth trust (after your edits)\n');
  }
}
