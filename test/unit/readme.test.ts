import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RUN_FLAGS, type FlagSpec } from '../../src/core/run/run-flags.js';
import { SETTING_KEYS } from '../../src/platform/settings.js';
import { parse } from 'yaml';
import path from 'node:path';
import { buildPlan } from '../../src/core/recipes/build.js';
import { BUILTIN_RECIPES, readRecipe } from '../../src/core/recipes/catalog.js';
import { recipeSchema } from '../../src/core/recipes/schema.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it("names every berth run flag in the flag table", () => {
    const table = README.slice(README.indexOf('| flag | meaning |'), README.indexOf('What a run does'));
    for (const [name, spec] of Object.entries(RUN_FLAGS) as Array<[string, FlagSpec]>) {
      const written = spec.default === true ? `--no-${name}` : `--${name}`;
      expect(table, `--${name}`).toMatch(new RegExp(`^\\| \`(-${spec.char ?? '-'}, )?${written}[ \`]`, 'm'));
    }
  });

  it('shows every setting in berth config', () => {
    const section = README.slice(README.indexOf('## Settings: `berth config`'), README.indexOf('## `berth doctor`'));
    for (const key of SETTING_KEYS) expect(section, key).toContain(`berth config set ${key} `);
  });

  it('shows a build recipe that validates, and the tag the built-in gifsicle really builds', () => {
    const section = README.slice(README.indexOf('### Build recipes: tools with no image'), README.indexOf('## Security model'));
    // A block inside a list item is indented with it.
    const blocks = [...section.matchAll(/^( *)```yaml\n([\s\S]*?)```/gm)].map(([, indent, text]) => text!.replace(new RegExp(`^${indent}`, 'gm'), ''));
    expect(blocks).toHaveLength(2);
    expect(recipeSchema().safeParse(parse(blocks[0]!)).success).toBe(true);
    const gifsicle = readRecipe(path.join(BUILTIN_RECIPES, 'gifsicle.yaml'), 'builtin');
    const locked = (parse(blocks[1]!) as { tools: { gifsicle: { image: string } } }).tools.gifsicle.image;
    expect(locked).toBe(buildPlan({ ...gifsicle, build: gifsicle.build! }).tag);
  });
});

