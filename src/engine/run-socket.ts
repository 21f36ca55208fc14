import path from 'node:path';
import { cacheDirectory } from '../berth-files.js';

/**
 * The label naming the berth run a container belongs to: the unix socket its berth listens on
 * while it lives (orphans.ts), in the user's private cache. Here, not in orphans.ts, so that the
 * plan (run/plan.ts) can label containers without loading the net module. Orphans are judged by
 * connecting to it, never guessed from a pid. Unique per process.
 */
export const RUN_LABEL = 'berth.run';

export const runsDirectory = (env: NodeJS.ProcessEnv = process.env) => path.join(cacheDirectory(env), 'runs');

/** This process's run socket. */
export const RUN_SOCKET = path.join(runsDirectory(), `${process.pid.toString(36)}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}.sock`);
