import { applyMirror } from '../core/image-reference.js';
import { UsageError } from '../platform/errors.js';
import { buildPlatformProblem } from '../core/platforms.js';
import type { BuildPlan } from '../core/recipes/build.js';
import type { Recipe } from '../core/recipes/schema.js';
import type { EngineClient, ImageFacts } from '../runtime/engine-client.js';
import { ensureImage, inspectImage, type PullProgress } from '../runtime/registry/images.js';

/** A tool's image as a run resolves it: the recipe, and the reference (the lock's digest when locked). */
export interface ToolImage {
  recipe: Recipe;
  image: string;
  /** The recipe builds its image (`image` is then the build's tag). */
  build?: BuildPlan;
}

export interface EnsuredImage {
  /** The reference the engine has the image under. */
  reference: string;
  facts: ImageFacts;
  /** Whether it was fetched now (false: the engine had it). */
  fetched: boolean;
}

/**
 * The one app-level way to make sure a tool's image is in the engine: a pull (through the mirror,
 * unless the engine has the image under its own name), or for a recipe that builds its image, a
 * build when the engine lacks it (a build's tag is the hash of all it is built from). `policy` as
 * for pulls: `missing` asks the registry only when the engine lacks the image, `always` asks it
 * every time. `platform`: the image's platform to pull (--platform, toolPlatforms).
 */
export async function ensureToolImage(
  engine: EngineClient,
  tool: ToolImage,
  options: {
    policy: 'missing' | 'always';
    mirror: string | undefined;
    onPull: (ref: string) => Promise<PullProgress & { stop(): void }>;
    platform?: string;
    quiet?: boolean;
  },
): Promise<EnsuredImage> {
  if (tool.build) {
    if (options.platform) throw new UsageError(buildPlatformProblem(tool.recipe.name, options.platform), 'pull');
    const built = await inspectImage(engine, tool.image);
    if (built) return { reference: tool.image, facts: built, fetched: false };
    const { ensureBuildImage } = await import('./build.js');
    const packageSpec = tool.recipe.source === 'package' ? tool.recipe.file : undefined;
    const facts = await ensureBuildImage(engine, tool.recipe.name, tool.build, { quiet: options.quiet, packageSpec });
    return { reference: tool.image, facts, fetched: true };
  }
  const mirrored = applyMirror(tool.image, options.mirror);
  if (mirrored !== tool.image && options.policy === 'missing') {
    const local = await inspectImage(engine, tool.image);
    if (local) return { reference: tool.image, facts: local, fetched: false };
  }
  let fetched = false;
  const facts = await ensureImage(
    engine,
    mirrored,
    options.policy,
    (ref) => {
      fetched = true;
      return options.onPull(ref);
    },
    options.platform,
  );
  return { reference: mirrored, facts, fetched };
}
