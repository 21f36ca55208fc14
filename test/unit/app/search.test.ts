// `berth search`'s use-case: the matches, and what stderr says of the recipes it could not search.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { searchCatalog } from '../../../src/app/search.js';
import { BUILTIN_RECIPES, type RecipeDirectory } from '../../../src/core/recipes/catalog.js';

let root: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-app-search-')));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const builtin: RecipeDirectory = { dir: BUILTIN_RECIPES, source: 'builtin' };

describe('berth search (use-case)', () => {
  it('gives the matches as list entries, best first, with nothing to note', () => {
    const { entries, notes } = searchCatalog('jq', [builtin]);
    expect(entries[0]).toMatchObject({ name: 'jq', source: 'builtin' });
    expect(Object.keys(entries[0]!)).toEqual(['name', 'version', 'description', 'source', 'tags', 'file']);
    expect(notes).toEqual([]);
  });

  it("notes each untrusted project's recipes, then how many files could not be read", () => {
    const user = path.join(root, 'user');
    const project = path.join(root, 'project');
    mkdirSync(user);
    writeFileSync(path.join(user, 'broken.yaml'), 'name: [\n');
    const untrusted: RecipeDirectory = { dir: project, source: 'project', untrusted: { root: project, changed: ['jq.yaml'] } };
    const one = searchCatalog('jq', [untrusted, { dir: user, source: 'user' }, builtin]);
    expect(one.notes).toEqual([expect.stringContaining(`${project}: the project's recipes (jq.yaml) are not trusted`), '1 recipe file could not be read and was not searched (see berth recipes lint)']);
    writeFileSync(path.join(user, 'also-broken.yaml'), 'name: [\n');
    expect(searchCatalog('jq', [{ dir: user, source: 'user' }, builtin]).notes).toEqual(['2 recipe files could not be read and were not searched (see berth recipes lint)']);
  });
});
