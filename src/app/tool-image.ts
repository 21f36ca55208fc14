import { applyMirror } from '../core/image-reference.js';
import type { Recipe } from '../core/recipes/schema.js';
import type { EngineClient, ImageFacts } from '../runtime/engine-client.js';
import { ensureImage, inspectImage, type PullProgress } from '../runtime/registry/images.js';

/** A tool's image as a run resolves it: the recipe, and the reference (the lock's digest when locked). */
export interface ToolImage {
  recipe: Recipe;
  image: string;
}

export interface EnsuredImage {
  /** The reference the engine has the image under. */
  reference: string;
  facts: ImageFacts;
  /** Whether it was fetched now (false: the engine had it). */
  fetched: boolean;
}

/**
 * The one app-level way to make sure a tool's image is in the engine: today a pull (through the
 * mirror, unless the engine has the image under its own name); a recipe whose image is built
 * rather than pulled plugs in here. `policy` as for pulls: `missing` asks the registry only when
 * the engine lacks the image, `always` asks it every time.
 */
export async function ensureToolImage(
  engine: EngineClient,
  tool: ToolImage,
  options: { policy: 'missing' | 'always'; mirror: string | undefined; onPull: (ref: string) => Promise<PullProgress & { stop(): void }> },
): Promise<EnsuredImage> {
  const mirrored = applyMirror(tool.image, options.mirror);
  if (mirrored !== tool.image && options.policy === 'missing') {
    const local = await inspectImage(engine, tool.image);
    if (local) return { reference: tool.image, facts: local, fetched: false };
  }
  let fetched = false;
  const facts = await ensureImage(engine, mirrored, options.policy, (ref) => {
    fetched = true;
    return options.onPull(ref);
  });
  return { reference: mirrored, facts, fetched };
}
