import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class Info extends BaseCommand {
  static override summary = 'Show a recipe: every field, the image reference berth runs, the known versions, whether the image is cached.';
  static override description = `TOOL@VERSION shows the reference for that version. The engine is asked whether the image is cached; when it cannot be reached, that is reported as unknown and info still succeeds.`;

  static override examples = [
    '<%= config.bin %> info shellcheck',
    '<%= config.bin %> info jq@1.7.1',
    '<%= config.bin %> info ffmpeg --json',
  ];

  static override args = {
    tool: Args.string({ description: 'tool name, optionally with @version', required: true }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print JSON (the shape is documented in docs/json-output.md)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Info);
    const { findRecipe, recipeDirectories } = await import('../recipes/catalog.js');
    const { parseToolSpec } = await import('../recipes/image.js');
    const { registryMirror } = await import('../config/settings.js');
    const { formatInfo, imageState, recipeInfo, resolvedReference } = await import('../recipes/info.js');
    const { name, version } = parseToolSpec(args.tool);
    const recipe = findRecipe(name, recipeDirectories());
    const mirror = registryMirror();
    const asked = version ?? recipe.version;
    const reference = resolvedReference(recipe, asked, mirror);
    const state = await imageState(reference);
    const info = recipeInfo(recipe, reference, state, asked);
    if (flags.json) this.out(JSON.stringify(info, null, 2));
    else for (const line of formatInfo(info, state)) this.out(line);
  }
}
