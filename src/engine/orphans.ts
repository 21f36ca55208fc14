import { hostname } from 'node:os';
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
 * slept…). Only containers started from this host are judged: a pid means nothing elsewhere.
 */
export async function removeOrphans(): Promise<Orphan[]> {
  const host = hostname();
  const api = engineApi();
  const filters = encodeURIComponent(JSON.stringify({ label: ['berth.managed=true', `berth.host=${host}`] }));
  const list = await api.call<Array<{ Id: string; Labels: Record<string, string> }>>('GET', `/containers/json?all=1&filters=${filters}`);
  const orphans: Orphan[] = [];
  for (const c of list) {
    const pid = Number(c.Labels['berth.pid']);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isProcessAlive(pid)) continue;
    orphans.push({ id: c.Id, tool: c.Labels['berth.tool'] ?? '?', pid });
  }
  await Promise.all(orphans.map((o) => api.call('DELETE', `/containers/${o.id}?force=1`).catch(() => undefined)));
  return orphans;
}
