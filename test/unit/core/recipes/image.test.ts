import { describe, expect, it } from 'vitest';
import { InputError } from '../../../../src/platform/errors.js';
import { readRecipe } from '../../../../src/core/recipes/catalog.js';
import { imageForVersion, parseToolSpec } from '../../../../src/core/recipes/image.js';
import { root, write, MINIMAL, useRecipeRoot } from '../../support/recipe-files.js';

useRecipeRoot();

describe('versions', () => {
  const recipeWith = (text: string) => readRecipe(write(root, 'tool.yaml', text), 'user');

  it('substitute {version} and append the digest only for the default version', () => {
    const digest = `sha256:${'cd'.repeat(32)}`;
    const recipe = recipeWith(MINIMAL.replace(':{version}', ':v{version}-alpine') + `digest: ${digest}\n`);
    expect(imageForVersion(recipe)).toBe(`docker.io/example/tool:v1.2.3-alpine@${digest}`);
    expect(imageForVersion(recipe, '1.2.3')).toBe(`docker.io/example/tool:v1.2.3-alpine@${digest}`);
    expect(imageForVersion(recipe, '1.1.0')).toBe('docker.io/example/tool:v1.1.0-alpine');
  });

  it('without a digest, use the tag alone', () => {
    expect(imageForVersion(recipeWith(MINIMAL))).toBe('docker.io/example/tool:1.2.3');
  });

  it('refuse another version when the image has no {version}', () => {
    const recipe = recipeWith(MINIMAL.replace(':{version}', ':1.2.3'));
    expect(imageForVersion(recipe)).toBe('docker.io/example/tool:1.2.3');
    expect(() => imageForVersion(recipe, '2.0.0')).toThrow(/no \{version\}/);
  });

  it('split tool@version', () => {
    expect(parseToolSpec('jq')).toEqual({ name: 'jq' });
    expect(parseToolSpec('jq@1.7.1')).toEqual({ name: 'jq', version: '1.7.1' });
    expect(() => parseToolSpec('jq@')).toThrow(InputError);
    expect(() => parseToolSpec('jq@1 2')).toThrow(/is not a version/);
  });
});
