import { InputError } from '../../platform/errors.js';
import { parseImageReference } from '../image-reference.js';
import { VERSION_PATTERN } from '../patterns.js';
import { buildPlan } from './build.js';
import type { Recipe } from './schema.js';

/**
 * The image reference for a recipe at a version: `{version}` substituted, and the recipe's
 * digest appended when the default version is asked for (the digest pins only that one). For a
 * recipe that builds its image, the build's tag (`berth-build/<name>:<hash>`), FROM `base` when
 * given (--base, BERTH_BASE_IMAGE).
 */
export function imageForVersion(recipe: Recipe, version = recipe.version, base?: string): string {
  if (recipe.build) return buildPlan({ ...recipe, build: recipe.build }, { version, base }).tag;
  if (recipe.image === undefined) throw new InputError(`${recipe.name}: the recipe has neither image nor build`, recipe.file);
  if (version !== recipe.version && !recipe.image.includes('{version}')) {
    throw new InputError(
      `${recipe.name}@${version}: the recipe's image ${recipe.image} has no {version} to put a version in; only ${recipe.version} is available`,
      recipe.file,
    );
  }
  const image = recipe.image.replaceAll('{version}', version);
  // A version that makes no valid tag (too long, odd characters) is refused here, not by the engine.
  try {
    parseImageReference(image);
  } catch (error) {
    throw new InputError(`${recipe.name}@${version}: does not fit the recipe's image ${recipe.image}: ${(error as Error).message}`, recipe.file);
  }
  return version === recipe.version && recipe.digest ? `${image}@${recipe.digest}` : image;
}

/** Splits `tool@version` into its parts. */
export function parseToolSpec(spec: string): { name: string; version?: string } {
  const at = spec.indexOf('@');
  if (at === -1) return { name: spec };
  const version = spec.slice(at + 1);
  if (!VERSION_PATTERN.test(version)) throw new InputError(`"${spec}": "${version}" is not a version (expected e.g. ${spec.slice(0, at)}@1.2.3)`);
  return { name: spec.slice(0, at), version };
}
