import { findRecipe, recipeDirectories } from '../recipes/catalog.js';
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
  /** True when the image is the digest locked in berth.lock. */
  locked: boolean;
  /** The project's files behind the version and digest, when they came from there (`berth which` says so). */
  project?: { manifestFile: string; pinLine?: number; lockFile?: string };
}

/**
 * `tool[@version]` → recipe and image. Inside a project (the nearest berth.yaml at or above
 * `cwd`), its pin replaces the recipe's default version, and when berth.lock has a digest for
 * exactly that version and image the run uses `repository@digest`. An explicit `@version` beats
 * the pin (the lock still applies when it matches). A broken berth.yaml or berth.lock stops runs
 * inside that project only. `--image` replaces the image and keeps the rest of the recipe.
 */
export async function resolveTool(spec: string, cwd: string, imageOverride?: string): Promise<ResolvedTool> {
  const { name, version: asked } = parseToolSpec(spec);
  const dirs = recipeDirectories(cwd);
  const project = await loadProjectPins(cwd, dirs);
  const pin = project?.pins.get(name);
  const recipe = pin?.recipe ?? findRecipe(name, dirs);
  const version = asked ?? pin?.version ?? recipe.version;
  const versionFrom = asked !== undefined ? 'command line' : pin ? 'project' : 'recipe';
  if (imageOverride) return { recipe, version, image: imageOverride, versionFrom, locked: false };
  const image = pin && version === pin.version ? pin.image : imageForVersion(recipe, version);
  const locked = lockedImage(project?.lock, name, version, image);
  const from = project && (pin || locked) ? { manifestFile: project.files.manifestFile, pinLine: versionFrom === 'project' ? pin?.line : undefined, lockFile: locked ? project.lock?.file : undefined } : undefined;
  return { recipe, version, image: locked ?? image, versionFrom, locked: locked !== undefined, ...(from ? { project: from } : {}) };
}
