import { findRecipe, recipeDirectories } from '../recipes/catalog.js';
import { imageForVersion, parseToolSpec } from '../recipes/image.js';
import type { Recipe } from '../recipes/schema.js';

/** A tool made concrete: which recipe, which version, which image reference. */
export interface ResolvedTool {
  recipe: Recipe;
  version: string;
  image: string;
}

/** `tool[@version]` → recipe and image; `--image` replaces the image and keeps the rest of the recipe. */
export function resolveTool(spec: string, cwd: string, imageOverride?: string): ResolvedTool {
  const { name, version: asked } = parseToolSpec(spec);
  const recipe = findRecipe(name, recipeDirectories(cwd));
  const version = asked ?? recipe.version;
  const image = imageOverride ?? imageForVersion(recipe, version);
  return { recipe, version, image };
}
