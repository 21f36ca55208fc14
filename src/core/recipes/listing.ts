import type { Recipe, RecipeSource } from './schema.js';
import { byName } from '../names.js';

/**
 * What `berth list` and `berth search` show of a recipe. The key order is part of the JSON
 * output (docs/json-output.md): build entries only through listEntry.
 */
export interface ListEntry {
  name: string;
  version: string;
  description: string;
  source: RecipeSource;
  tags: string[];
  file: string;
}

export function listEntry(recipe: Recipe): ListEntry {
  return {
    name: recipe.name,
    version: recipe.version,
    description: recipe.description,
    source: recipe.source,
    tags: [...recipe.tags],
    file: recipe.file,
  };
}

/**
 * Recipes whose name, description or tags contain `term`, ignoring case. Best matches first:
 * the exact name, then names containing the term, then the rest; by name within each group.
 */
export function searchRecipes(recipes: readonly Recipe[], term: string): Recipe[] {
  const needle = term.trim().toLowerCase();
  if (needle === '') return [];
  const rank = (r: Recipe): number => {
    const name = r.name.toLowerCase();
    if (name === needle) return 0;
    if (name.includes(needle)) return 1;
    if (r.tags.some((t) => t.toLowerCase().includes(needle))) return 2;
    if (r.description.toLowerCase().includes(needle)) return 3;
    return -1;
  };
  return recipes
    .map((recipe) => ({ recipe, rank: rank(recipe) }))
    .filter(({ rank }) => rank >= 0)
    .sort((a, b) => a.rank - b.rank || byName(a.recipe.name, b.recipe.name))
    .map(({ recipe }) => recipe);
}
