import { loadCatalog, recipeDirectories, type RecipeDirectory } from '../core/recipes/catalog.js';
import { listEntry, searchRecipes, type ListEntry } from '../core/recipes/listing.js';

/**
 * `berth search TERM`: the recipes that match, best first, and the notes for stderr: each untrusted
 * project's, and how many recipe files could not be read (so were not searched; lint names them).
 */
export function searchCatalog(term: string, dirs: RecipeDirectory[] = recipeDirectories()): { entries: ListEntry[]; notes: string[] } {
  const catalog = loadCatalog(dirs);
  const notes = catalog.problems.filter((p) => p.untrusted).map((p) => p.message);
  const n = catalog.problems.length - notes.length;
  if (n > 0) notes.push(`${n} recipe file${n === 1 ? '' : 's'} could not be read and ${n === 1 ? 'was' : 'were'} not searched (see berth recipes lint)`);
  return { entries: searchRecipes(catalog.recipes, term).map(listEntry), notes };
}
