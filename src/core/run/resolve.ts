import { EngineError } from '../../platform/errors.js';
import { isPackageSpec, packageRecipe, parsePackageSpec, specText, type PackageSpec } from '../backends/spec.js';
import { findRecipe, recipeDirectories } from '../recipes/catalog.js';
import { buildPlan, type BuildPlan } from '../recipes/build.js';
import { imageForVersion, parseToolSpec } from '../recipes/image.js';
import type { Recipe } from '../recipes/schema.js';
import type { VersionSource } from '../recipes/info.js';
import { loadProjectPins, lockedImage } from '../project/pins.js';

/** A tool made concrete: which recipe, which version, which image reference. */
export interface ResolvedTool {
  recipe: Recipe;
  version: string;
  image: string;
  /** Where the version came from. */
  versionFrom: VersionSource;
  /** True when the image is the digest locked in berth.lock (for a build, the lock's entry is for exactly this build). */
  locked: boolean;
  /** The project's files behind the version and digest, when they came from there (`berth which` says so). */
  project?: { manifestFile: string; pinLine?: number; lockFile?: string };
  /** The recipe builds its image: how (`image` is then the build's tag). */
  build?: BuildPlan;
}

/**
 * `tool[@version]` → recipe and image. Inside a project (the nearest berth.yaml at or above
 * `cwd`), its pin replaces the recipe's default version, and when berth.lock has a digest for
 * exactly that version and image the run uses `repository@digest`. An explicit `@version` beats
 * the pin (the lock still applies when it matches). A broken berth.yaml or berth.lock stops runs
 * inside that project only. `--image` replaces the image and keeps the rest of the recipe.
 */
export async function resolveTool(spec: string, cwd: string, imageOverride?: string, options: ResolveOptions = {}): Promise<ResolvedTool> {
  if (isPackageSpec(spec)) return resolvePackage(spec, cwd, imageOverride, options);
  const { base } = options;
  const { name, version: asked } = parseToolSpec(spec);
  const dirs = recipeDirectories(cwd);
  const project = await loadProjectPins(cwd, dirs);
  const pin = project?.pins.get(name);
  const recipe = pin?.recipe ?? findRecipe(name, dirs);
  const version = asked ?? pin?.version ?? recipe.version;
  const versionFrom = asked !== undefined ? 'command line' : pin ? 'project' : 'recipe';
  if (imageOverride) return { recipe, version, image: imageOverride, versionFrom, locked: false };
  if (recipe.build) {
    // A build's tag is the hash of all it is built from: the lock adds no pinning to it.
    const build = buildPlan({ ...recipe, build: recipe.build }, { version, base, hostCa: options.hostCa });
    return { recipe, version, image: build.tag, versionFrom, locked: project?.lock?.entries.get(name)?.image === build.tag, build };
  }
  const image = pin && version === pin.version ? pin.image : imageForVersion(recipe, version);
  const locked = lockedImage(project?.lock, name, version, image);
  const from = project && (pin || locked) ? { manifestFile: project.files.manifestFile, pinLine: versionFrom === 'project' ? pin?.line : undefined, lockFile: locked ? project.lock?.file : undefined } : undefined;
  return { recipe, version, image: locked ?? image, versionFrom, locked: locked !== undefined, ...(from ? { project: from } : {}) };
}

/** How a tool is resolved beyond its spec. */
export interface ResolveOptions {
  /** What builds start from instead of their base (--base, BERTH_BASE_IMAGE). */
  base?: string;
  /** Builds get the host's CA certificates (core/host-trust.ts). */
  hostCa?: boolean;
  /** A package's command, when not its own (--bin). */
  bin?: string;
  /** The exact version of a package spec whose version is not exact (npm: a dist-tag, or none: latest). */
  packageVersion?: (spec: PackageSpec) => Promise<string>;
}

/**
 * `PREFIX:NAME[@VERSION]`: the recipe its backend makes, at an exact version where the backend
 * has a registry to ask (npm), and the build of its image.
 */
async function resolvePackage(text: string, cwd: string, imageOverride: string | undefined, options: ResolveOptions): Promise<ResolvedTool> {
  const spec = parsePackageSpec(text, options.bin);
  // Inside a project, a spec without a version runs the version berth.yaml pins for it.
  const pin = spec.version === undefined ? (await loadProjectPins(cwd, recipeDirectories(cwd)))?.pins.get(specText(spec)) : undefined;
  let version = spec.version ?? pin?.version;
  if (spec.backend.resolves && !spec.backend.exact(version)) {
    if (!options.packageVersion) throw new EngineError(`${text}: no exact version, and no way to ask ${spec.backend.source} for one here`);
    version = await options.packageVersion(spec);
  }
  const recipe = packageRecipe(spec, version);
  const versionFrom = spec.version !== undefined ? 'command line' : pin ? 'project' : 'recipe';
  if (imageOverride) return { recipe, version: recipe.version, image: imageOverride, versionFrom, locked: false };
  const build = buildPlan({ ...recipe, build: recipe.build! }, { base: options.base, hostCa: options.hostCa });
  return { recipe, version: recipe.version, image: build.tag, versionFrom, locked: false, build };
}
