import path from 'node:path';
import { findRecipe, recipeDirectories } from '../recipes/catalog.js';
import { parseToolSpec } from '../recipes/image.js';
import { InputError } from '../errors.js';
import { setPin } from './manifest.js';
import { imageForPin, projectFiles } from './project.js';
import { PROJECT_FILE } from './root.js';

/**
 * `berth use TOOL[@VERSION]`: the tool must have a recipe and the version must be one its image
 * can express; the pin goes into the nearest project's berth.yaml, or a new one in `cwd`.
 */
export function usePin(spec: string, cwd: string): { file: string; name: string; version: string; previous?: string; changed: boolean } {
  const { name, version: asked } = parseToolSpec(spec);
  const recipe = findRecipe(name, recipeDirectories(cwd));
  const version = asked ?? recipe.version;
  const image = imageForPin(recipe, version);
  if (image instanceof Error) throw new InputError(`berth: ${name}@${version}: ${image.message}`);
  const file = projectFiles(cwd)?.manifestFile ?? path.join(cwd, PROJECT_FILE);
  const { previous, changed } = setPin(file, name, version);
  return { file, name, version, previous, changed };
}
