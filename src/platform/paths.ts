import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Every directory berth keeps its own files in, in one place (as mise's dirs): the XDG variables
 * are read here and nowhere else.
 */

/** berth's own cache: parsed files, tool homes, identity files, locks, run notes, warm state, engines' rootless answers. */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'berth');
}

/** berth's settings (`config.json`, written by `berth config`). */
export function configDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(homedir(), '.config'), 'berth');
}

/** berth's own state that is not a cache (losing it changes behaviour): the trusted projects. */
export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state'), 'berth');
}

/** Where each berth run's socket lives while it runs (runtime/container/orphans.ts). */
export function runsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'runs');
}

/** This process's run socket: unique per process. */
export const RUN_SOCKET = path.join(runsDirectory(), `${process.pid.toString(36)}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}.sock`);
