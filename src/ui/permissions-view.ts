import { printable } from '../platform/terminal-text.js';
import { PERMISSION_LABELS, permissions, type Permissions } from '../core/recipes/permissions.js';
import type { Recipe } from '../core/recipes/schema.js';

/**
 * What a recipe lets its tool reach, as lines: `field value`, and where `shadowed` (the recipe
 * this one replaces) differs, what it would have been. Text from the recipe files is made printable.
 */
export function formatPermissions(recipe: Recipe, shadowed?: Recipe): string[] {
  const mine = permissions(recipe);
  const theirs = shadowed ? permissions(shadowed) : undefined;
  return (Object.keys(PERMISSION_LABELS) as Array<keyof Permissions>).map((key) => {
    const differs = theirs && theirs[key] !== mine[key] ? `   (instead of ${theirs[key]}, ${shadowed!.source})` : '';
    return printable(`  ${PERMISSION_LABELS[key].padEnd(11)}${mine[key]}${differs}`);
  });
}
