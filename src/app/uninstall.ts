import { shimDirectory } from '../platform/settings.js';
import { uninstallShim } from '../core/shims.js';

/**
 * `berth uninstall`: removes each tool's shim from the shim directory, one name at a time as the
 * caller reads them, giving the path removed or the error that kept it; every name is tried.
 */
export function* uninstallTools(names: string[], env: NodeJS.ProcessEnv = process.env): Generator<{ removed: string } | { error: unknown }> {
  const dir = shimDirectory(env);
  for (const name of names) {
    try {
      yield { removed: uninstallShim(dir, name).path };
    } catch (error) {
      yield { error };
    }
  }
}
