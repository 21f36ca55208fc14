import { baseImageOverride } from '../platform/settings.js';
import { LABELS, labelFilter } from '../core/labels.js';
import { loadProjectPins } from '../core/project/pins.js';
import { buildPlan } from '../core/recipes/build.js';
import { loadCatalog, recipeDirectories } from '../core/recipes/catalog.js';
import type { Recipe } from '../core/recipes/schema.js';
import { removeOrphans, type Orphan } from '../runtime/container/orphans.js';
import { ownerFilter } from '../runtime/container/owner.js';
import type { EngineClient } from '../runtime/engine-client.js';
import { engineClient } from '../runtime/engine/client.js';
import { engineFailure } from '../runtime/http/endpoint.js';
import { pruneWarmCache } from '../warm/list.js';

/** A build image `berth gc` removed: its tool and its tag (or id, for one no tag names any more). */
export interface RemovedBuild {
  tool: string;
  image: string;
}

export interface Garbage {
  containers: Orphan[];
  builds: RemovedBuild[];
}

/**
 * `berth gc`: removes the containers of berths that are gone (the caller's; everyone's with
 * `allUsers`, for root only), the warm files nothing uses any more, and the images berth built
 * that nothing references (see unusedBuilds). Returns those removed.
 */
export async function collectGarbage(options: { allUsers?: boolean; cwd?: string } = {}): Promise<Garbage> {
  const owners = ownerFilter(options.allUsers);
  const engine = engineClient();
  try {
    const containers = await removeOrphans(engine, owners).catch((error: unknown) => {
      throw engineFailure(error, 'listing containers');
    });
    await pruneWarmCache(engine).catch((error: unknown) => {
      throw engineFailure(error, 'listing warm containers');
    });
    const builds = await removeUnusedBuilds(engine, await referencedBuilds(options.cwd ?? process.cwd()), options.allUsers ?? false).catch((error: unknown) => {
      throw engineFailure(error, 'removing unused build images');
    });
    return { containers, builds };
  } finally {
    engine.close();
  }
}

/** What gc knows of the builds from here: the tools whose recipes build, and the tags still in use. */
interface References {
  tools: Set<string>;
  tags: Set<string>;
}

/**
 * The build tags berth still uses from here: every recipe it sees (the current directory's
 * project included) that builds its image, FROM its own base and FROM the override
 * (BERTH_BASE_IMAGE), at its version and at the project's pinned one, and what berth.lock records.
 */
async function referencedBuilds(cwd: string): Promise<References> {
  const tags = new Set<string>();
  const tools = new Set<string>();
  const bases = [undefined, baseImageOverride(undefined)];
  const add = (recipe: Recipe, version?: string) => {
    if (!recipe.build) return;
    tools.add(recipe.name);
    for (const base of bases) {
      try {
        tags.add(buildPlan({ ...recipe, build: recipe.build }, { version, base }).tag);
      } catch {
        // a version or base that builds nothing: nothing of it to keep
      }
    }
  };
  const dirs = recipeDirectories(cwd);
  for (const recipe of loadCatalog(dirs).recipes) add(recipe);
  const project = await loadProjectPins(cwd, dirs).catch(() => undefined);
  for (const pin of project?.pins.values() ?? []) add(pin.recipe, pin.version);
  for (const entry of project?.lock?.entries.values() ?? []) tags.add(entry.image);
  return { tools, tags };
}

/**
 * Removes the caller's build images (every user's with `allUsers`) of tools whose recipes berth
 * sees, when none of their tags is referenced (an older build section, another base) or they have
 * none left (a rebuild took the tag). The builds of tools berth does not see from here are left
 * alone: another project's, or another tool source's (the engine is often shared). One a
 * container still uses is refused by the engine and stays.
 */
async function removeUnusedBuilds(engine: EngineClient, referenced: References, allUsers: boolean): Promise<RemovedBuild[]> {
  const removed: RemovedBuild[] = [];
  const mine = allUsers ? [] : [labelFilter(LABELS.buildUid, String(process.getuid?.() ?? 0))];
  for (const image of await engine.listImages({ labels: [labelFilter(LABELS.build), ...mine] })) {
    const tool = image.labels[LABELS.build] ?? '';
    if (!referenced.tools.has(tool) || image.repoTags.some((tag) => referenced.tags.has(tag))) continue;
    // By tag, so that the engine removes the image with its last tag; by id when it has none.
    const names = image.repoTags.length > 0 ? image.repoTags : [image.id];
    let gone = false;
    for (const name of names) gone = (await engine.removeImage(name)) || gone;
    if (gone) removed.push({ tool, image: names.join(', ') });
  }
  return removed;
}
