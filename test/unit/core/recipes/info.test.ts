import { describe, expect, it } from 'vitest';
import { BUILTIN_RECIPES, findRecipe } from '../../../../src/core/recipes/catalog.js';
import { applyMirror } from '../../../../src/core/image-reference.js';
import { imageForVersion } from '../../../../src/core/recipes/image.js';
import { knownVersions, recipeInfo } from '../../../../src/core/recipes/info.js';
import type { Recipe } from '../../../../src/core/recipes/schema.js';

const builtins = [{ dir: BUILTIN_RECIPES, source: 'builtin' as const }];

describe('info', () => {
  it('lists the known versions, default first, without repeats', () => {
    const recipe = findRecipe('shellcheck', builtins);
    expect(knownVersions(recipe)).toEqual(['0.11.0', '0.10.0']);
    expect(knownVersions({ ...recipe, versions: undefined })).toEqual(['0.11.0']);
    expect(knownVersions({ ...recipe, versions: ['0.10.0', '0.11.0'] })).toEqual(['0.11.0', '0.10.0']);
  });

  it('resolves the reference with the digest for the default version and the mirror for docker.io', () => {
    const recipe = findRecipe('shellcheck', builtins);
    const digest = recipe.digest!;
    const reference = (r: Recipe, version = r.version, mirror?: string) => applyMirror(imageForVersion(r, version), mirror);
    expect(reference(recipe)).toBe(`docker.io/koalaman/shellcheck:v0.11.0@${digest}`);
    expect(reference(recipe, '0.10.0')).toBe('docker.io/koalaman/shellcheck:v0.10.0');
    expect(reference(recipe, undefined, 'https://mirror.example:5000/')).toBe(`mirror.example:5000/koalaman/shellcheck:v0.11.0@${digest}`);
    const jq = findRecipe('jq', builtins);
    expect(reference(jq, undefined, 'mirror.example:5000')).toBe(`ghcr.io/jqlang/jq:1.8.1@${jq.digest}`);
  });

  const byDefault = (r: Recipe) => ({ reference: imageForVersion(r, r.version), version: r.version, from: 'recipe' as const, locked: false });

  it('has every field in a fixed order, with null for what is absent', () => {
    const recipe = findRecipe('shellcheck', builtins);
    const info = recipeInfo(recipe, byDefault(recipe), { cached: true, size: 1234 });
    expect(Object.keys(info)).toEqual([
      'name', 'description', 'homepage', 'tags', 'source', 'file', 'version', 'versions', 'image', 'built', 'digest',
      'referenceVersion', 'reference', 'referenceFrom', 'locked', 'cached', 'size', 'platforms', 'imagePlatform', 'entrypoint', 'args', 'script',
      'network', 'env', 'home', 'user', 'tty', 'warm', 'notes', 'examples',
    ]);
    expect(info).toMatchObject({ version: '0.11.0', referenceVersion: '0.11.0', referenceFrom: 'recipe', locked: false, cached: true, size: 1234, script: null, notes: null, entrypoint: ['/bin/shellcheck'] });
    const unknown = recipeInfo(recipe, { ...byDefault(recipe), reference: 'x' }, { cached: null, size: null, reason: 'engine not reachable' });
    expect([unknown.cached, unknown.size]).toEqual([null, null]);
  });
});
