import path from 'node:path';
import { InputError } from '../errors.js';
import { BUILTIN_RECIPES, loadCatalog, readRecipe, recipeDirectories, type RecipeProblem } from './catalog.js';

/**
 * Checks the given files, or every recipe in every directory berth searches. Files inside
 * the built-in directory are held to the built-in rules (exact tags, no latest).
 */
export function lintRecipes(files: string[]): { checked: number; problems: RecipeProblem[] } {
  if (files.length === 0) {
    const catalog = loadCatalog(recipeDirectories());
    return { checked: catalog.files, problems: catalog.problems };
  }
  const problems: RecipeProblem[] = [];
  for (const file of files) {
    const absolute = path.resolve(file);
    try {
      readRecipe(file, path.dirname(absolute) + path.sep === BUILTIN_RECIPES ? 'builtin' : 'user');
    } catch (error) {
      if (error instanceof InputError) problems.push({ file, message: error.message });
      else if ((error as NodeJS.ErrnoException).code === 'ENOENT') problems.push({ file, message: `${file}: no such file` });
      else throw error;
    }
  }
  return { checked: files.length, problems };
}
