import { removeOrphans, type Orphan } from '../runtime/container/orphans.js';
import { ownerFilter } from '../runtime/container/owner.js';
import { engineClient } from '../runtime/engine/client.js';
import { engineFailure } from '../runtime/http/endpoint.js';
import { pruneWarmCache } from '../warm/list.js';
import type { PrunedWorkspace } from '../runtime/container/workspace-sync.js';

/**
 * `berth gc`: removes the containers of berths that are gone (the caller's; everyone's with
 * `allUsers`, for root only), the warm files nothing uses any more, and the caller's workspace
 * volumes on an engine that cannot see this machine's files once unused. Returns those removed.
 */
export async function collectGarbage(options: { allUsers?: boolean } = {}): Promise<{ containers: Orphan[]; workspaces: PrunedWorkspace[] }> {
  const owners = ownerFilter(options.allUsers);
  const engine = engineClient();
  try {
    const removed = await removeOrphans(engine, owners).catch((error: unknown) => {
      throw engineFailure(error, 'listing containers');
    });
    await pruneWarmCache(engine).catch((error: unknown) => {
      throw engineFailure(error, 'listing warm containers');
    });
    const { pruneWorkspaceVolumes } = await import('../runtime/container/workspace-sync.js');
    const workspaces = await pruneWorkspaceVolumes(engine).catch((error: unknown) => {
      throw engineFailure(error, 'removing unused workspace volumes');
    });
    return { containers: removed, workspaces };
  } finally {
    engine.close();
  }
}
