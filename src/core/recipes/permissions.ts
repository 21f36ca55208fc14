import { buildPlan, describeBuild } from './build.js';
import { imageForVersion } from './image.js';
import type { Recipe } from './schema.js';

/**
 * What a recipe lets its tool reach, in words: the one summary `berth info`, `berth trust --show`,
 * `berth install` of a recipe that is not built in (src/ui/permissions-view.ts lays it out), and a
 * refused untrusted run (describeChanges) all give.
 */
export interface Permissions {
  image: string;
  network: string;
  user: string;
  env: string;
  home: string;
  mounts: string;
}

/** Each field's name in the summary, in the order it is given. */
export const PERMISSION_LABELS: Record<keyof Permissions, string> = {
  image: 'image',
  network: 'network',
  user: 'user',
  env: 'env passed',
  home: 'your files',
  mounts: 'mounts',
};

const NETWORK: Record<Recipe['network'], string> = {
  none: 'none',
  bridge: 'bridge (can reach the internet and your local network)',
  host: "host (the host's own network: every local service and port)",
};

const USER: Record<Recipe['user'], string> = {
  host: 'you (your uid:gid)',
  image: "the image's own user (often root)",
};

export function permissions(recipe: Recipe): Permissions {
  return {
    // A build's hash covers its steps too: a changed step is a changed image for the trust check.
    image: recipe.build ? `${describeBuild(recipe.build)} (build ${buildPlan({ ...recipe, build: recipe.build }).hash.slice(0, 12)})` : imageForVersion(recipe),
    network: NETWORK[recipe.network],
    user: USER[recipe.user],
    env: recipe.env.length > 0 ? recipe.env.join(', ') : '(none beyond terminal and locale)',
    home:
      recipe.home.length > 0
        ? recipe.home.map((e) => (e.endsWith(':rw') ? `~/${e.slice(0, -3)} (read-write)` : `~/${e} (read-only)`)).join(', ')
        : '(none from your home)',
    // The same for every recipe today (no recipe field adds mounts): said so the user sees it.
    mounts: 'the current directory; paths named in the arguments (see berth help run)',
  };
}

/**
 * One clause for a one-line message: what `recipe` changes against `shadowed`, or what it adds.
 * Here, not in ui/: it is the text of the UntrustedRecipeError the catalog throws (an error
 * carries its own message up to the reporter, and core cannot reach up to ui).
 */
export function describeChanges(recipe: Recipe, shadowed?: Recipe): string {
  const mine = permissions(recipe);
  if (!shadowed) {
    return `it adds the tool ${recipe.name}: ${(Object.keys(PERMISSION_LABELS) as Array<keyof Permissions>)
      .filter((k) => k !== 'mounts')
      .map((k) => `${PERMISSION_LABELS[k]} ${mine[k]}`)
      .join(', ')}`;
  }
  const theirs = permissions(shadowed);
  const changes = (Object.keys(PERMISSION_LABELS) as Array<keyof Permissions>)
    .filter((k) => mine[k] !== theirs[k])
    .map((k) => `${PERMISSION_LABELS[k]} ${mine[k]} instead of ${theirs[k]}`);
  return changes.length > 0 ? `it would replace the ${shadowed.source} ${recipe.name} with ${changes.join('; ')}` : `it would replace the ${shadowed.source} ${recipe.name} (same image and permissions)`;
}
