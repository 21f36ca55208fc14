import { describe, expect, it } from 'vitest';
import { BUILTIN_RECIPES, findRecipe, loadCatalog } from '../../../../src/core/recipes/catalog.js';
import { listEntry, searchRecipes } from '../../../../src/core/recipes/listing.js';

const builtins = [{ dir: BUILTIN_RECIPES, source: 'builtin' as const }];
const catalog = loadCatalog(builtins);

describe('list entries', () => {
  it('have a fixed key order', () => {
    const entry = listEntry(findRecipe('jq', builtins));
    expect(Object.keys(entry)).toEqual(['name', 'version', 'description', 'source', 'tags', 'file']);
    expect(entry).toMatchObject({ name: 'jq', version: '1.8.1', source: 'builtin' });
  });
});

describe('search', () => {
  it('matches name, description and tags, ignoring case, best matches first', () => {
    const names = searchRecipes(catalog.recipes, 'LINT').map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['shellcheck', 'hadolint', 'actionlint', 'yamllint', 'markdownlint-cli2', 'tflint', 'ruff']));
    expect(names).not.toContain('jq');
    // Names containing the term come before tag and description matches.
    expect(names.indexOf('actionlint')).toBeLessThan(names.indexOf('shellcheck'));
    expect(searchRecipes(catalog.recipes, 'jq').map((r) => r.name)[0]).toBe('jq');
    expect(searchRecipes(catalog.recipes, 'json processor').map((r) => r.name)).toEqual(['jq']);
    expect(searchRecipes(catalog.recipes, 'no-such-thing-at-all')).toEqual([]);
    expect(searchRecipes(catalog.recipes, '  ')).toEqual([]);
  });
});
