import { describe, expect, it } from 'vitest';
import { BUILTIN_RECIPES, findRecipe } from '../../../src/core/recipes/catalog.js';
import type { Recipe } from '../../../src/core/recipes/schema.js';
import { formatPermissions } from '../../../src/ui/permissions-view.js';

const jq = findRecipe('jq', [{ dir: BUILTIN_RECIPES, source: 'builtin' }]);

describe('the permissions summary', () => {
  it('gives every field, in a fixed order, aligned', () => {
    expect(formatPermissions(jq)).toEqual([
      `  image      ghcr.io/jqlang/jq:1.8.1@${jq.digest}`,
      '  network    none',
      '  user       you (your uid:gid)',
      '  env passed (none beyond terminal and locale)',
      '  your files (none from your home)',
      '  mounts     the current directory; paths named in the arguments (see berth help run)',
    ]);
  });

  it('says, for each field that differs, what the recipe it replaces would give', () => {
    const mine: Recipe = { ...jq, source: 'project', network: 'host', env: ['TOKEN'], home: ['.aws', '.kube:rw'] };
    const lines = formatPermissions(mine, jq);
    expect(lines[0]).toBe(`  image      ghcr.io/jqlang/jq:1.8.1@${jq.digest}`);
    expect(lines[1]).toBe("  network    host (the host's own network: every local service and port)   (instead of none, builtin)");
    expect(lines[3]).toBe('  env passed TOKEN   (instead of (none beyond terminal and locale), builtin)');
    expect(lines[4]).toBe('  your files ~/.aws (read-only), ~/.kube (read-write)   (instead of (none from your home), builtin)');
    expect(lines[5]).not.toContain('instead of');
  });

  it('makes text from a recipe file printable', () => {
    expect(formatPermissions({ ...jq, env: ['A\x1b[2J'] })[3]).toBe('  env passed A\\x1b[2J');
  });
});
