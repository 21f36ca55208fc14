import { removeOrphans, type Orphan } from '../runtime/container/orphans.js';
import { ownerFilter } from '../runtime/container/owner.js';
import { engineClient } from '../runtime/engine/client.js';
import { engineFailure } from '../runtime/http/endpoint.js';
import { pruneWarmCache } from '../warm/list.js';

/**
 * `berth gc`: removes the containers of berths that are gone (the caller's; everyone's with
 * `allUsers`, for root only) and the warm files nothing uses any more. Returns those removed.
 */
export async function collectGarbage(options: { allUsers?: boolean } = {}): Promise<Orphan[]> {
  const owners = ownerFilter(options.allUsers);
  const engine = engineClient();
  try {
    const removed = await removeOrphans(engine, owners).catch((error: unknown) => {
      throw engineFailure(error, 'listing containers');
    });
    await pruneWarmCache(engine).catch((error: unknown) => {
      throw engineFailure(error, 'listing warm containers');
    });
    return removed;
  } finally {
    engine.close();
  }
}
