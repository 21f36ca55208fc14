import { ownerFilter } from '../runtime/container/owner.js';
import { engineClient } from '../runtime/engine/client.js';
import { engineFailure } from '../runtime/http/endpoint.js';
import { listWarm, stopWarm, type WarmContainer } from '../warm/list.js';
import { unavailableTools, type Unavailable } from '../warm/state.js';

/**
 * `berth warm ls`: the warm containers (the caller's; everyone's with `allUsers`, for root only),
 * and why tools are not kept warm, as their last calls found.
 */
export async function warmContainers(options: { allUsers?: boolean } = {}): Promise<{ containers: WarmContainer[]; notKeptWarm: Array<[string, Unavailable]> }> {
  const owners = ownerFilter(options.allUsers);
  const engine = engineClient();
  try {
    const containers = await listWarm(engine, { owners }).catch((error: unknown) => {
      throw engineFailure(error, 'listing warm containers');
    });
    return { containers, notKeptWarm: unavailableTools() };
  } finally {
    engine.close();
  }
}

/** `berth warm stop`: stops the warm containers, all or one tool's (the caller's; everyone's with `allUsers`); returns those stopped. */
export async function stopWarmContainers(tool: string | undefined, options: { allUsers?: boolean } = {}): Promise<WarmContainer[]> {
  const owners = ownerFilter(options.allUsers);
  const engine = engineClient();
  try {
    return await stopWarm(engine, tool, owners).catch((error: unknown) => {
      throw engineFailure(error, 'stopping warm containers');
    });
  } finally {
    engine.close();
  }
}
