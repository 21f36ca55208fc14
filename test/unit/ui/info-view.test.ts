import { describe, expect, it } from 'vitest';
import { BUILTIN_RECIPES, findRecipe } from '../../../src/core/recipes/catalog.js';
import { imageForVersion } from '../../../src/core/recipes/image.js';
import { recipeInfo, type ImageState, type InfoReference } from '../../../src/core/recipes/info.js';
import type { Recipe } from '../../../src/core/recipes/schema.js';
import { formatInfo, formatUntrustedInfo } from '../../../src/ui/info-view.js';
import { formatPermissions } from '../../../src/ui/permissions-view.js';

const builtins = [{ dir: BUILTIN_RECIPES, source: 'builtin' as const }];
const byDefault = (r: Recipe): InfoReference => ({ reference: imageForVersion(r, r.version), version: r.version, from: 'recipe', locked: false });
const notCached: ImageState = { cached: false, size: null };
const view = (recipe: Recipe, ref = byDefault(recipe), state = notCached) => formatInfo({ info: recipeInfo(recipe, ref, state), state, recipe });
const field = (lines: string[], label: string) => lines.find((l) => l.startsWith(`  ${label.padEnd(11)}`));

describe('berth info, the human form', () => {
  const shellcheck = findRecipe('shellcheck', builtins);

  it("says where the reference's version and digest come from", () => {
    const line = (ref: InfoReference) => field(view(shellcheck, ref), 'reference');
    expect(line(byDefault(shellcheck))).toBe(`  reference  ${byDefault(shellcheck).reference}`);
    expect(line({ reference: 'r@sha256:1', version: '0.10.0', from: 'project', locked: true })).toBe(
      "  reference  r@sha256:1 (for 0.10.0, pinned by the project's berth.yaml, digest locked in berth.lock)",
    );
    expect(line({ reference: 'r:0.10.0', version: '0.10.0', from: 'command line', locked: false })).toBe('  reference  r:0.10.0 (for 0.10.0)');
    // The recipe's digest is for its default version: said so when another one runs here.
    const digest = (ref: InfoReference) => field(view(shellcheck, ref), 'digest');
    expect(digest(byDefault(shellcheck))).toBe(`  digest     ${shellcheck.digest}`);
    expect(digest({ reference: 'r@sha256:1', version: '0.10.0', from: 'project', locked: true })).toBe(`  digest     ${shellcheck.digest} (pins ${shellcheck.version}, the default; not what runs here)`);
    expect(field(view(shellcheck), 'versions')).toBe('  versions   0.11.0 (default), 0.10.0');
  });

  it('says whether the image is cached, its size, or why that is unknown', () => {
    expect(field(view(shellcheck), 'cached')).toBe('  cached     no (pulled on first run)');
    expect(field(view(shellcheck, undefined, { cached: true, size: 8_500_000 }), 'cached')).toBe('  cached     yes, 8.5 MB');
    expect(field(view(shellcheck, undefined, { cached: null, size: null, reason: 'engine not reachable' }), 'cached')).toBe('  cached     unknown (engine not reachable)');
  });

  it('shows a script recipe and its examples, then what its tool can reach', () => {
    const gif = findRecipe('gif', builtins);
    const lines = view(gif);
    expect(lines[0]).toBe(`gif 5.1: ${gif.description}`);
    expect(lines.some((l) => l.startsWith('  script     usage="usage: gif '))).toBe(true);
    expect(field(lines, 'entrypoint')).toBeUndefined();
    expect(lines.slice(lines.indexOf('examples:') + 1, lines.indexOf('permissions:'))).toEqual(gif.examples.map((e) => `  ${e}`));
    expect(lines.slice(lines.indexOf('permissions:') + 1)).toEqual(formatPermissions(gif));
  });

  it('wraps notes at 80 columns under their label, and says when a list is empty', () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const lines = view({ ...shellcheck, notes: `${words}\nsecond paragraph`, tags: [], examples: [] });
    const at = lines.findIndex((l) => l.startsWith('  notes'));
    const notes = [lines[at]!.slice(13), ...lines.slice(at + 1).filter((l) => l.startsWith(' '.repeat(13))).map((l) => l.slice(13))];
    expect(notes.every((l) => l.length <= 80)).toBe(true);
    expect(notes.join(' ')).toBe(`${words} second paragraph`);
    expect(notes.at(-1)).toBe('second paragraph');
    expect(field(lines, 'tags')).toBe('  tags       (none)');
    expect(lines[lines.indexOf('examples:') + 1]).toBe('  (none)');
  });

  it('gives, for a project recipe that is not trusted, what its tool would reach', () => {
    const mine: Recipe = { ...shellcheck, source: 'project', file: '/p/.berth/recipes/shellcheck.yaml', network: 'host' };
    expect(formatUntrustedInfo(mine, shellcheck)).toEqual([
      'shellcheck: not trusted project recipe /p/.berth/recipes/shellcheck.yaml; its tool would reach:',
      ...formatPermissions(mine, shellcheck),
    ]);
  });
});
