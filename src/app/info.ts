import type { ImageState } from '../core/recipes/info.js';

/** Asks the engine about `ref`; an unreachable or silent engine gives an unknown state, never an error. */
export async function imageState(ref: string, timeoutMs = 5000): Promise<ImageState> {
  const unknown = (reason: string): ImageState => ({ cached: null, size: null, reason });
  try {
    const { inspectImage } = await import('../runtime/registry/images.js');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    const facts = await Promise.race([inspectImage(ref), timeout]).finally(() => clearTimeout(timer));
    if (facts === 'timeout') return unknown('engine not reachable');
    return facts ? { cached: true, size: facts.size } : { cached: false, size: null };
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    return unknown(/cannot reach the Docker engine/.test(message) ? 'engine not reachable' : message);
  }
}
