import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { cacheDirectory } from '../run/identity.js';
import { engineApi } from './api.js';

export interface Orphan {
  id: string;
  tool: string;
  pid: number;
}

/** Whether a process with this pid exists (EPERM: it exists but is someone else's). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes berth's containers whose berth process is gone (berth was SIGKILLed, the machine
 * slept…), and kills the tools such a berth left running in a warm container (their exec id is
 * reported). Only containers started from this host are judged: a pid means nothing elsewhere.
 */
export async function removeOrphans(): Promise<Orphan[]> {
  const host = hostname();
  const api = engineApi();
  const filters = encodeURIComponent(JSON.stringify({ label: ['berth.managed=true', `berth.host=${host}`] }));
  const list = await api.call<Array<{ Id: string; Labels: Record<string, string> }>>('GET', `/containers/json?all=1&filters=${filters}`);
  const orphans: Orphan[] = [];
  for (const c of list) {
    // A warm container outlives the berth that made it, by design: it stops itself when idle.
    if (c.Labels['berth.warm'] === 'true') continue;
    const pid = Number(c.Labels['berth.pid']);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isProcessAlive(pid)) continue;
    orphans.push({ id: c.Id, tool: c.Labels['berth.tool'] ?? '?', pid });
  }
  await Promise.all(orphans.map((o) => api.call('DELETE', `/containers/${o.id}?force=1`).catch(() => undefined)));
  // And what a gone berth left running inside a warm container (records of warm calls are rare).
  let records: string[] = [];
  try {
    records = readdirSync(path.join(cacheDirectory(), 'warm', 'execs'));
  } catch {
    // no warm call ever ran
  }
  if (records.length > 0) {
    const { removeWarmOrphans } = await import('./warm-orphans.js');
    orphans.push(...(await removeWarmOrphans(api, isProcessAlive)));
  }
  return orphans;
}
