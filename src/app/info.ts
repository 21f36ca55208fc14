import type { ImageState } from '../core/recipes/info.js';
import { EngineUnreachableError } from '../platform/errors.js';

/** Asks the engine about `ref`; an unreachable or silent engine gives an unknown state, never an error. */
export async function imageState(ref: string, timeoutMs = 5000): Promise<ImageState> {
  const unknown = (reason: string): ImageState => ({ cached: null, size: null, reason });
  const { inspectImage } = await import('../runtime/registry/images.js');
  const engine = (await import('../runtime/http/docker-client.js')).engineClient();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    const facts = await Promise.race([inspectImage(engine, ref), timeout]);
    if (facts === 'timeout') return unknown('engine not reachable');
    return facts ? { cached: true, size: facts.size } : { cached: false, size: null };
  } catch (error) {
    return unknown(error instanceof EngineUnreachableError ? 'engine not reachable' : ((error as Error).message ?? String(error)));
  } finally {
    clearTimeout(timer);
    engine.close();
  }
}
