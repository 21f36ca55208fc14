/**
 * Finds the berth containers (label `berth.managed=true`) that this test run created and left
 * behind, without touching those of other runs or of someone using berth by hand on the same
 * engine (a developer machine's engine is often shared).
 *
 * It follows the engine's `create` events from the start of the run. berth labels each container
 * with `berth.pid` (the berth process) and `berth.host`; a container is this run's when its berth
 * process is this process or one of its descendants (vitest's workers, the berth processes they
 * spawn) at the time of the event, while that process is still alive. A container is also counted
 * when that cannot be told (no pid label, or its process already gone: berth does not exit before
 * its container is created, so that is a berth killed at once). It is not counted when it was made
 * on another host, or by a live process outside this run.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker, run } from './exec.js';

export const MANAGED_LABEL = 'berth.managed=true';

/** Parent pid of `pid`, or undefined when it is gone (or there is no /proc). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state, ppid, ...
    const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** 'ours' when pid is this process or a descendant, 'gone' when it does not exist, else 'other'. */
export function ownerOf(pid: number): 'ours' | 'gone' | 'other' {
  if (parentOf(pid) === undefined) return pid === process.pid ? 'ours' : 'gone';
  for (let current: number | undefined = pid, hops = 0; current !== undefined && current > 0 && hops < 256; hops++) {
    if (current === process.pid) return 'ours';
    if (current === 1) return 'other';
    current = parentOf(current);
  }
  return 'other';
}

interface CreateEvent {
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export interface LeakWatch {
  /**
   * Stops watching and resolves with descriptions of this run's managed containers that still
   * exist, after giving containers being removed (AutoRemove) up to `graceMs` to go.
   */
  stop(graceMs?: number): Promise<{ id: string; description: string }[]>;
}

/** Starts following container create events with label berth.managed=true. */
export async function watchManagedContainers(): Promise<LeakWatch> {
  // Events since just before now are replayed, so nothing between here and the subscription is lost.
  const since = String(Math.floor(Date.now() / 1000) - 1);
  const child = spawn(
    'docker',
    ['events', '--since', since, '--filter', 'type=container', '--filter', 'event=create', '--filter', `label=${MANAGED_LABEL}`, '--format', '{{json .}}'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let failure = '';
  let stopping = false;
  let diedEarly = false;
  child.stderr.on('data', (chunk: Buffer) => {
    failure = (failure + chunk.toString('utf8')).slice(-2000);
  });
  const exited = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      if (!stopping) {
        diedEarly = true;
        failure += ` (docker events ended early: ${signal ?? `exit code ${code}`})`;
      }
      resolve();
    }),
  );
  child.on('error', (error) => {
    failure += `cannot run docker events: ${error.message}`;
  });

  const ours = new Set<string>();
  const host = hostname();
  createInterface({ input: child.stdout }).on('line', (line) => {
    let event: CreateEvent;
    try {
      event = JSON.parse(line) as CreateEvent;
    } catch {
      return;
    }
    const id = event.Actor?.ID ?? event.id;
    if (!id) return;
    const labels = event.Actor?.Attributes ?? {};
    if (labels['berth.host'] !== undefined && labels['berth.host'] !== host) return;
    const pid = Number.parseInt(labels['berth.pid'] ?? '', 10);
    if (Number.isInteger(pid) && pid > 0 && ownerOf(pid) === 'other') return;
    ours.add(id);
  });

  return {
    async stop(graceMs = 3000) {
      // Let events of the last moments arrive before we stop listening.
      await sleep(300);
      stopping = true;
      child.kill('SIGTERM');
      await exited;
      if (diedEarly) {
        throw new Error(`leftover containers could not be checked: ${failure.trim()}`);
      }
      const deadline = Date.now() + graceMs;
      for (;;) {
        const left: { id: string; description: string }[] = [];
        for (const id of ours) {
          const result = await run('docker', [
            'inspect',
            '--type',
            'container',
            '--format',
            '{{.Name}} ({{slice .Id 0 12}}, image {{.Config.Image}}, {{.State.Status}}, cmd {{json .Config.Cmd}}, berth pid {{with index .Config.Labels "berth.pid"}}{{.}}{{else}}?{{end}})',
            id,
          ]);
          if (result.code === 0) left.push({ id, description: result.stdout.trim().replace(/^\//, '') });
        }
        if (left.length === 0 || Date.now() > deadline) return left;
        await sleep(250);
      }
    },
  };
}

/**
 * The same check by a listing at the end, for an engine whose event stream cannot be relied on
 * (Podman 4.3's stops delivering partway through a run): the managed containers still there that
 * were created since the watch began, by this run (as above: its process, a descendant, or one
 * gone), on this host.
 */
export function listManagedContainersAtEnd(): LeakWatch {
  const since = Date.now() - 1000;
  const host = hostname();
  const format =
    '{{.Created}}|{{with index .Config.Labels "berth.host"}}{{.}}{{end}}|{{with index .Config.Labels "berth.pid"}}{{.}}{{end}}|' +
    '{{.Name}} ({{slice .Id 0 12}}, image {{.Config.Image}}, {{.State.Status}}, cmd {{json .Config.Cmd}})';
  const ours = async (): Promise<{ id: string; description: string }[]> => {
    const ids = (await docker(['ps', '-aq', '--no-trunc', '--filter', `label=${MANAGED_LABEL}`])).split('\n').filter(Boolean);
    const left: { id: string; description: string }[] = [];
    for (const id of ids) {
      const result = await run('docker', ['inspect', '--type', 'container', '--format', format, id]);
      if (result.code !== 0) continue; // removed meanwhile
      const [created = '', labelHost = '', labelPid = '', description = ''] = result.stdout.trim().split('|');
      if (Date.parse(created) < since) continue;
      if (labelHost && labelHost !== host) continue;
      const pid = Number.parseInt(labelPid, 10);
      if (Number.isInteger(pid) && pid > 0 && ownerOf(pid) === 'other') continue;
      left.push({ id, description: description.replace(/^\//, '') });
    }
    return left;
  };
  return {
    async stop(graceMs = 3000) {
      const deadline = Date.now() + graceMs;
      for (;;) {
        const left = await ours();
        if (left.length === 0 || Date.now() > deadline) return left;
        await sleep(250);
      }
    },
  };
}

/** Force-removes containers (and their anonymous volumes); ignores those already gone. */
export async function removeContainers(ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids]).catch(() => undefined);
}
