import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { cacheDirectory, directoryEntries, writePrivateFile } from '../berth-files.js';
import { isProcessAlive } from '../lock-file.js';
import { engineApi } from './api.js';
import { ownerFilter } from './owner.js';

export interface Orphan {
  id: string;
  tool: string;
  pid: number;
}

/**
 * Removes berth's containers whose berth process is gone (berth was SIGKILLed, the machine
 * slept…). Only containers started from this host are judged: a pid means nothing elsewhere; and
 * only the caller's (`owners`: ownerFilter's labels). (A warm call of a gone berth needs nothing:
 * its server kills the tool when the connection closes.)
 */
export async function removeOrphans(owners: string[] = ownerFilter()): Promise<Orphan[]> {
  const host = hostname();
  const api = engineApi();
  const filters = encodeURIComponent(JSON.stringify({ label: ['berth.managed=true', `berth.host=${host}`, ...owners] }));
  const list = await api.call<Array<{ Id: string; Labels: Record<string, string> }>>('GET', `/containers/json?all=1&filters=${filters}`);
  const orphans: Orphan[] = [];
  for (const c of list) {
    // A warm container outlives the berth that made it, by design: it stops itself when idle.
    if (c.Labels['berth.warm'] === 'true') continue;
    const pid = Number(c.Labels['berth.pid']);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isProcessAlive(pid)) continue;
    orphans.push({ id: c.Id, tool: c.Labels['berth.tool'] ?? '?', pid });
  }
  await Promise.all(orphans.map((o) => api.removeContainer(o.id)));
  return orphans;
}

const runsDirectory = () => path.join(cacheDirectory(), 'runs');

/**
 * Notes that this process is running a tool, until the returned function is called. A note left
 * behind names a berth that was killed: the next run then looks for its container.
 */
export function recordRun(): () => void {
  const file = path.join(runsDirectory(), String(process.pid));
  try {
    writePrivateFile(file, '');
  } catch {
    return () => undefined; // no cache: gc still finds orphans
  }
  return () => rmSync(file, { force: true });
}

/**
 * What every run does instead of listing the engine's containers: only when a note of a berth
 * that is gone exists (it was killed mid-run) are orphans looked for and removed.
 */
export async function sweepOrphansIfAny(): Promise<Orphan[]> {
  const gone = directoryEntries(runsDirectory()).filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid && !isProcessAlive(Number(n)));
  if (gone.length === 0) return [];
  const removed = await removeOrphans();
  for (const n of gone) rmSync(path.join(runsDirectory(), n), { force: true });
  return removed;
}

