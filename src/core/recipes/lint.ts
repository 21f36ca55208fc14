import path from 'node:path';
import { InputError } from '../../platform/errors.js';
import { parseImageReference } from '../image-reference.js';
import { lineOf, readYamlFile } from '../../platform/yaml-file.js';
import type { Recipe } from './schema.js';
import { BUILTIN_RECIPES, loadCatalog, readRecipe, recipeDirectories, type RecipeProblem } from './catalog.js';

/**
 * Checks the given files, or every recipe in every directory berth searches. Files inside
 * the built-in directory are held to the built-in rules (exact tags, no latest).
 */
export function lintRecipes(files: string[]): { checked: number; problems: RecipeProblem[]; warnings: string[] } {
  if (files.length === 0) {
    const catalog = loadCatalog(recipeDirectories());
    return { checked: catalog.files, problems: catalog.problems, warnings: catalog.recipes.flatMap(unpinnedWarning) };
  }
  const problems: RecipeProblem[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const absolute = path.resolve(file);
    try {
      warnings.push(...unpinnedWarning(readRecipe(file, path.dirname(absolute) + path.sep === BUILTIN_RECIPES ? 'builtin' : 'user')));
    } catch (error) {
      // A missing or unreadable file is an InputError too (platform/input-file.ts).
      if (error instanceof InputError) problems.push({ file, message: error.message });
      else throw error;
    }
  }
  return { checked: files.length, problems, warnings };
}

/**
 * A recipe that is not built in may name "latest" or no tag (built-in ones may not: they fail to
 * load), but it should not: the same command then runs other bytes from one day to the next.
 */
function unpinnedWarning(recipe: Recipe): string[] {
  // A build is pinned by its from: (tag and digest, checked by the schema).
  if (recipe.source === 'builtin' || recipe.image === undefined) return [];
  const { tag } = parseImageReference(recipe.image.replaceAll('{version}', recipe.version));
  if (tag && tag !== 'latest') return [];
  const line = lineOf(readYamlFile(recipe.file), ['image']);
  return [`${recipe.file}:${line}: image: ${tag ? '"latest" is not a version' : 'no tag'}; pin an exact version tag so every run gets the same image (warning)`];
}
