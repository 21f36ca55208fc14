import { findOrphans, removeOrphans, type Orphan } from '../runtime/container/orphans.js';
import { ownerFilter } from '../runtime/container/owner.js';
import { engineClient } from '../runtime/engine/client.js';
import { engineFailure } from '../runtime/http/endpoint.js';
import { pruneWarmCache } from '../warm/list.js';
import type { PrunableFile } from '../warm/state.js';

export interface Garbage {
  /** Containers of berths proven gone (each one's berth's run socket refuses connections). */
  containers: Orphan[];
  /** berth's own warm files that no warm container needs, each with why. */
  files: PrunableFile[];
}

/**
 * `berth gc`: removes the containers of berths that are gone (the caller's; everyone's with
 * `allUsers`, for root only) and the warm files nothing uses any more; with `dryRun`, finds the
 * same and removes nothing. Returns what was (or would be) removed.
 */
export async function collectGarbage(options: { allUsers?: boolean; dryRun?: boolean } = {}): Promise<Garbage> {
  const owners = ownerFilter(options.allUsers);
  const engine = engineClient();
  try {
    const containers = await (options.dryRun ? findOrphans(engine, owners).then((f) => f.orphans) : removeOrphans(engine, owners)).catch((error: unknown) => {
      throw engineFailure(error, 'listing containers');
    });
    const files = await pruneWarmCache(engine, { dryRun: options.dryRun }).catch((error: unknown) => {
      throw engineFailure(error, 'listing warm containers');
    });
    return { containers, files };
  } finally {
    engine.close();
  }
}
