import { EngineUnreachableError } from '../platform/errors.js';
import { registryMirror } from '../platform/settings.js';
import { resolveOptions } from './resolve-options.js';
import { applyMirror } from '../core/image-reference.js';
import { formatPlatform, imagePlatform } from '../core/platforms.js';
import { resolveTool, type ResolvedTool } from '../core/run/resolve.js';
import { recipeDirectories, shadowedRecipe, UntrustedRecipeError } from '../core/recipes/catalog.js';
import { recipeInfo, type ImageState } from '../core/recipes/info.js';
import type { Recipe } from '../core/recipes/schema.js';
import type { InfoView } from '../ui/info-view.js';

/** Asks the engine about `ref`; an unreachable or silent engine gives an unknown state, never an error. */
export async function imageState(ref: string, timeoutMs = 5000): Promise<ImageState> {
  const unknown = (reason: string): ImageState => ({ cached: null, size: null, reason });
  const { inspectImage } = await import('../runtime/registry/images.js');
  const engine = (await import('../runtime/engine/client.js')).engineClient();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    const facts = await Promise.race([inspectImage(engine, ref), timeout]);
    if (facts === 'timeout') return unknown('engine not reachable');
    const platform = facts && imagePlatform(facts);
    return facts ? { cached: true, size: facts.size, ...(platform ? { platform: formatPlatform(platform) } : {}) } : { cached: false, size: null };
  } catch (error) {
    return unknown(error instanceof EngineUnreachableError ? 'engine not reachable' : ((error as Error).message ?? String(error)));
  } finally {
    clearTimeout(timer);
    engine.close();
  }
}

/** The refusal of a project recipe that is not trusted, when that recipe parses (so it can be shown). */
export type UntrustedTool = UntrustedRecipeError & { recipe: Recipe };

/**
 * `berth info TOOL[@VERSION]`: the recipe as `berth run` in `cwd` would resolve it, the image
 * reference with the mirror applied, and whether the engine has that image. A project recipe that
 * is not trusted is returned with its refusal (`untrusted`): what it would let its tool reach is
 * exactly what the user needs to see before the error.
 */
export async function toolInfo(spec: string, cwd: string, stateOf: (ref: string) => Promise<ImageState> = imageState): Promise<InfoView | { untrusted: UntrustedTool }> {
  let resolved: ResolvedTool;
  try {
    resolved = await resolveTool(spec, cwd, undefined, resolveOptions({}));
  } catch (error) {
    if (error instanceof UntrustedRecipeError && error.recipe) return { untrusted: error as UntrustedTool };
    throw error;
  }
  // A build's tag is the engine's own: no mirror for it.
  const reference = resolved.build ? resolved.image : applyMirror(resolved.image, registryMirror());
  const state = await stateOf(reference);
  const info = recipeInfo(resolved.recipe, { reference, version: resolved.version, from: resolved.versionFrom, locked: resolved.locked }, state);
  return { info, state, recipe: resolved.recipe, shadowed: shadowedRecipe(resolved.recipe, recipeDirectories(cwd)) };
}
