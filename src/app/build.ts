import { EngineError, InputError } from '../platform/errors.js';
import { packageFailure, parsePackageSpec } from '../core/backends/spec.js';
import type { BuildPlan } from '../core/recipes/build.js';
import { resolveTool } from '../core/run/resolve.js';
import { resolveOptions } from './resolve-options.js';
import type { EngineClient, ImageFacts } from '../runtime/engine-client.js';

export interface EnsureBuildOptions {
  /** Build even when the image is there (`berth build`). */
  force?: boolean;
  noCache?: boolean;
  /** Fail instead of building (the pull policy "never"). */
  offline?: boolean;
  /** No progress on stderr. */
  quiet?: boolean;
  stderr?: NodeJS.WriteStream;
  /** The package spec the build is for (a backend's recipe): a failure the package causes is said in one line. */
  packageSpec?: string;
}

/**
 * The image of a recipe that builds its own (a recipe file's build section, or one a package
 * backend makes in memory), built on first use: a cached tag costs one inspect and no network.
 * Progress goes to stderr (a spinner with the current step on a terminal, step lines otherwise);
 * the whole output is kept in the build log, whose tail a failure shows (EngineError: 125).
 */
export async function ensureBuildImage(engine: EngineClient, tool: string, plan: BuildPlan, options: EnsureBuildOptions = {}): Promise<ImageFacts> {
  const [{ ensureBuilt }, { buildReporter }] = await Promise.all([import('../runtime/registry/builds.js'), import('../ui/build-progress.js')]);
  try {
    return await ensureBuilt(engine, {
      tool,
      plan,
      force: options.force,
      noCache: options.noCache,
      offline: options.offline,
      onBuild: buildReporter(options.stderr ?? process.stderr, options.quiet ?? false),
    });
  } catch (error) {
    if (options.packageSpec === undefined || !(error instanceof EngineError)) throw error;
    // No such package, version or command: the user's input, in one line (exit 1); the build's log
    // keeps the rest. Anything else (the network, the engine) stays the build's failure (125).
    const line = packageFailure(parsePackageSpec(options.packageSpec), error.message);
    throw line === undefined ? error : new InputError(line);
  }
}

export interface BuiltTool {
  tool: string;
  version: string;
  tag: string;
  imageId: string;
  base: string;
}

/**
 * `berth build TOOL[@VERSION]`: builds the tool's image now, even when it is built already (the
 * engine's layer cache still applies, unless `noCache`). `base`: --base, else BERTH_BASE_IMAGE.
 */
export async function buildTool(spec: string, options: { base?: string; noCache?: boolean; quiet?: boolean; hostCa?: boolean; bin?: string } = {}): Promise<BuiltTool> {
  const resolved = await resolveTool(spec, process.cwd(), undefined, resolveOptions({ base: options.base, hostCa: options.hostCa, bin: options.bin }));
  if (!resolved.build) {
    throw new InputError(`${resolved.recipe.name}: its recipe names an image to pull (${resolved.image}), not a build; berth builds only recipes with a build section`, resolved.recipe.file);
  }
  const { engineClient } = await import('../runtime/engine/client.js');
  const engine = engineClient();
  try {
    const packageSpec = resolved.recipe.source === 'package' ? resolved.recipe.file : undefined;
    const image = await ensureBuildImage(engine, resolved.recipe.name, resolved.build, { force: true, noCache: options.noCache, quiet: options.quiet, packageSpec });
    return { tool: resolved.recipe.name, version: resolved.version, tag: resolved.build.tag, imageId: image.id, base: resolved.build.base };
  } finally {
    engine.close();
  }
}
