import { existsSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineApi } from './api.js';
import { execRecords } from './warm-state.js';

/**
 * Kills what a SIGKILLed berth left running in a warm container: the tool it exec'd there (and
 * its process group, as the removal of a fresh container would). berth records each exec it runs
 * in a warm container (warm-state.ts); a record whose berth process is gone and whose exec still
 * runs is such a leftover. Returns them as orphans: the exec's id, the tool, the berth pid.
 */
export async function removeWarmOrphans(api: EngineApi, isAlive: (pid: number) => boolean): Promise<Array<{ id: string; tool: string; pid: number }>> {
  const removed: Array<{ id: string; tool: string; pid: number }> = [];
  for (const record of execRecords()) {
    if (record.berthPid === process.pid || isAlive(record.berthPid)) continue;
    try {
      const info = await api.call<{ Running: boolean; Pid: number }>('GET', `/exec/${record.exec}/json`);
      if (info.Running && info.Pid > 0) {
        try {
          process.kill(-info.Pid, 'SIGKILL');
        } catch {
          process.kill(info.Pid, 'SIGKILL');
        }
        // Gone when this returns, as a removed container is.
        for (let i = 0; i < 100 && existsSync(`/proc/${info.Pid}`); i++) await sleep(20);
        removed.push({ id: record.exec, tool: record.tool, pid: record.berthPid });
      }
    } catch {
      // the exec or its container is gone: nothing left to kill
    }
    rmSync(record.file, { force: true });
  }
  return removed;
}
