import { statSync } from 'node:fs';
import { engineEndpoint } from './connection.js';

/**
 * A rootless engine (or rootless Podman) maps uid 0 in the container to the user, so berth
 * must not pass the user's uid there. Its socket belongs to the user; a rootful engine's
 * socket belongs to root. A stat is enough, and costs no request.
 */
export function isRootlessEngine(env: NodeJS.ProcessEnv = process.env): boolean {
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return false;
  if (env.BERTH_ROOTLESS) return env.BERTH_ROOTLESS === '1';
  const endpoint = engineEndpoint(env) ?? 'unix:///var/run/docker.sock';
  if (!endpoint.startsWith('unix://')) return false;
  try {
    return statSync(endpoint.slice('unix://'.length)).uid === uid;
  } catch {
    return false;
  }
}
