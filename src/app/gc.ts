import { baseImageOverride } from '../platform/settings.js';
import { LABELS, labelFilter } from '../core/labels.js';
import { loadProjectPins } from '../core/project/pins.js';
import { buildPlan } from '../core/recipes/build.js';
import { loadCatalog, recipeDirectories } from '../core/recipes/catalog.js';
import type { Recipe } from '../core/recipes/schema.js';
import { findOrphans, removeOrphans, type Orphan } from '../runtime/container/orphans.js';
import { ownerFilter } from '../runtime/container/owner.js';
import type { EngineClient } from '../runtime/engine-client.js';
import { engineClient } from '../runtime/engine/client.js';
import { engineFailure } from '../runtime/http/endpoint.js';
import { pruneWarmCache } from '../warm/list.js';
import type { PrunedWorkspace } from '../runtime/container/workspace-sync.js';
import type { PrunableFile } from '../warm/state.js';

/** A build image `berth gc` removes: its tool and its tag (or id, for one no tag names any more). */
export interface UnusedBuild {
  tool: string;
  image: string;
}

export interface Garbage {
  /** Containers of berths proven gone (each one's berth's run socket refuses connections). */
  containers: Orphan[];
  /** berth's own warm files that no warm container needs, each with why. */
  files: PrunableFile[];
  /** Images berth built that nothing references (see unusedBuilds). */
  builds: UnusedBuild[];
  /** The caller's workspace volumes (an engine that cannot see this machine's files) gone unused. */
  workspaces: PrunedWorkspace[];
}

/**
 * `berth gc`: removes the containers of berths that are gone (the caller's; everyone's with
 * `allUsers`, for root only), the warm files nothing uses any more, the images berth built that
 * nothing references (see unusedBuilds), and the caller's workspace volumes once unused; with
 * `dryRun`, finds the same and removes nothing. Returns what was (or would be) removed.
 */
export async function collectGarbage(options: { allUsers?: boolean; dryRun?: boolean; cwd?: string } = {}): Promise<Garbage> {
  const owners = ownerFilter(options.allUsers);
  const engine = engineClient();
  try {
    const containers = await (options.dryRun ? findOrphans(engine, owners).then((f) => f.orphans) : removeOrphans(engine, owners)).catch((error: unknown) => {
      throw engineFailure(error, 'listing containers');
    });
    const files = await pruneWarmCache(engine, { dryRun: options.dryRun }).catch((error: unknown) => {
      throw engineFailure(error, 'listing warm containers');
    });
    const builds = await unusedBuilds(engine, await referencedBuilds(options.cwd ?? process.cwd()), options.allUsers ?? false)
      .then((found) => (options.dryRun ? found : removeBuilds(engine, found)))
      .catch((error: unknown) => {
        throw engineFailure(error, options.dryRun ? 'listing build images' : 'removing unused build images');
      });
    const { pruneWorkspaceVolumes } = await import('../runtime/container/workspace-sync.js');
    const workspaces = await pruneWorkspaceVolumes(engine, { dryRun: options.dryRun }).catch((error: unknown) => {
      throw engineFailure(error, options.dryRun ? 'listing workspace volumes' : 'removing unused workspace volumes');
    });
    return { containers, files, builds, workspaces };
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
 * The caller's build images (every user's with `allUsers`) of tools whose recipes berth sees,
 * when none of their tags is referenced (an older build section, another base) or they have none
 * left (a rebuild took the tag). The builds of tools berth does not see from here are left alone:
 * another project's, or another tool source's (the engine is often shared).
 */
async function unusedBuilds(engine: EngineClient, referenced: References, allUsers: boolean): Promise<UnusedBuild[]> {
  const unused: UnusedBuild[] = [];
  const mine = allUsers ? [] : [labelFilter(LABELS.buildUid, String(process.getuid?.() ?? 0))];
  for (const image of await engine.listImages({ labels: [labelFilter(LABELS.build), ...mine] })) {
    const tool = image.labels[LABELS.build] ?? '';
    if (!referenced.tools.has(tool) || image.repoTags.some((tag) => referenced.tags.has(tag))) continue;
    unused.push({ tool, image: image.repoTags.length > 0 ? image.repoTags.join(', ') : image.id });
  }
  return unused;
}

/**
 * Removes them by tag, so that the engine removes each image with its last tag (by id when it has
 * none); returns those gone. One a container still uses is refused by the engine and stays.
 */
async function removeBuilds(engine: EngineClient, builds: UnusedBuild[]): Promise<UnusedBuild[]> {
  const removed: UnusedBuild[] = [];
  for (const build of builds) {
    let gone = false;
    for (const name of build.image.split(', ')) gone = (await engine.removeImage(name)) || gone;
    if (gone) removed.push(build);
  }
  return removed;
}
