import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';

export default class Info extends BaseCommand {
  static override summary = 'Show a recipe: every field, the image reference berth runs, the known versions, whether the image is cached.';
  static override description = `The reference is what \`berth run\` runs here: TOOL@VERSION's, else the version the project pins (and the digest berth.lock locks), else the recipe's default. The engine is asked whether the image is cached; when it cannot be reached, that is reported as unknown and info still succeeds.`;

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
    const { resolveTool } = await import('../core/run/resolve.js');
    const { applyMirror } = await import('../core/image-reference.js');
    const { registryMirror } = await import('../platform/settings.js');
    const { formatInfo, recipeInfo } = await import('../core/recipes/info.js');
    const { imageState } = await import('../app/info.js');
    const { UntrustedRecipeError } = await import('../core/recipes/catalog.js');
    const { formatPermissions } = await import('../core/recipes/permissions.js');
    const { shadowedRecipe } = await import('../core/recipes/catalog.js');
    let resolved: Awaited<ReturnType<typeof resolveTool>>;
    try {
      resolved = await resolveTool(args.tool, process.cwd());
    } catch (error) {
      // Not trusted: what it would let its tool reach is exactly what the user needs to see.
      if (error instanceof UntrustedRecipeError && error.recipe && !flags.json) {
        this.out(`${error.recipe.name}: not trusted project recipe ${error.recipe.file}; its tool would reach:`);
        for (const line of formatPermissions(error.recipe, error.shadowed)) this.out(line);
      }
      throw error;
    }
    const reference = applyMirror(resolved.image, registryMirror());
    const state = await imageState(reference);
    const info = recipeInfo(resolved.recipe, { reference, version: resolved.version, from: resolved.versionFrom, locked: resolved.locked }, state);
    if (flags.json) this.out(JSON.stringify(info, null, 2));
    else {
      for (const line of formatInfo(info, state)) this.out(line);
      this.out('permissions:');
      for (const line of formatPermissions(resolved.recipe, shadowedRecipe(resolved.recipe))) this.out(line);
    }
  }
}
