import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import path from 'node:path';
import { directoryEntries, privateDirectory } from '../../platform/files.js';
import { RUN_SOCKET, runsDirectory } from '../../platform/paths.js';
import { labelFilter, LABELS } from '../../core/labels.js';
import { discardContainer, type EngineClient } from '../engine-client.js';
import { ownerFilter } from './owner.js';

export interface Orphan {
  id: string;
  tool: string;
  pid: number;
}

/*
 * A container's berth is proven alive or gone, never guessed from a pid (a pid means nothing in
 * another PID namespace, where a live berth's pid may be free here): a running berth listens on
 * its run socket (LABELS.run names it); a socket that refuses connections is a berth that died.
 * One that cannot be reached from here (another machine, a cache this user cannot read, a berth
 * from before the run sockets) is never judged gone.
 */

/** A unix socket path's limit (sun_path, with its terminating zero). */
const SOCKET_PATH_MAX = 107;

/** This run's proof of life (see recordRun). */
export interface RunRecord {
  /** The run ended as it should: nothing of it is left to find. */
  end(): void;
  /**
   * The run failed on berth's or the engine's side (the engine lost mid-run): its containers are
   * removed now if the engine answers, else its socket stays, refusing connections, so the next
   * run's sweep or `berth gc` removes them. Resolves with how many were removed now, or undefined
   * when that is left to them.
   */
  abandon(): Promise<number | undefined>;
}

/**
 * Proves this process alive until the run ends: it listens on its run socket. No cache, or a
 * cache path too long for a socket: nothing is proven, and so no sweep ever removes this run's
 * container (the engine's AutoRemove still does, when it ends).
 */
export function recordRun(engine: EngineClient): RunRecord {
  const none: RunRecord = { end: () => undefined, abandon: async () => undefined };
  const binding = `${RUN_SOCKET}.new`;
  if (Buffer.byteLength(binding) > SOCKET_PATH_MAX) return none;
  let server: Server;
  try {
    privateDirectory(path.dirname(RUN_SOCKET));
    // Bound under another name and renamed once listening: between bind and listen a socket
    // refuses connections, and another berth's sweep would take this live run for a dead one.
    server = createServer((socket) => socket.destroy()).on('error', () => undefined);
    server.listen(binding, () => {
      try {
        renameSync(binding, RUN_SOCKET);
      } catch {
        // no proof of life: this run's container is then never swept, only AutoRemoved
      }
    });
    server.unref();
  } catch {
    return none;
  }
  return {
    end() {
      server.close();
      rmSync(RUN_SOCKET, { force: true });
      rmSync(binding, { force: true });
    },
    async abandon() {
      // The listener goes (closing it removes the socket); a plain file in its place refuses
      // connections just as a killed berth's socket does, and so marks the run gone.
      server.close();
      try {
        rmSync(binding, { force: true });
        rmSync(RUN_SOCKET, { force: true });
        writeFileSync(RUN_SOCKET, '', { mode: 0o600 });
      } catch {
        // no cache to mark: the engine's AutoRemove is all there is
      }
      try {
        const removed = await Promise.race([
          removeOrphans(engine, ownerFilter(), [RUN_SOCKET]),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer')), 5000).unref()),
        ]);
        rmSync(RUN_SOCKET, { force: true });
        return removed.length;
      } catch {
        return undefined;
      }
    },
  };
}

/** Whether the berth listening on `file` is gone: only a refused connection says so. */
export function isGone(file: string): Promise<boolean> {
  if (!path.isAbsolute(file) || file === RUN_SOCKET) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect(file);
    // A berth too busy to accept at once is alive enough.
    const timer = setTimeout(() => done(false), 2000);
    const done = (gone: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(gone);
    };
    socket.on('connect', () => done(false));
    // A marker file in berth's own runs directory (an abandoned run) refuses as ECONNREFUSED on
    // Linux and ENOTSOCK on the BSDs.
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' || (error.code === 'ENOTSOCK' && path.dirname(file) === runsDirectory())));
  });
}

/** The run sockets in this user's cache whose berth is gone. */
async function goneRuns(): Promise<string[]> {
  const dir = runsDirectory();
  const files = directoryEntries(dir).filter((n) => n.endsWith('.sock')).map((n) => path.join(dir, n));
  const gone = await Promise.all(files.map(async (f) => ((await isGone(f)) ? [f] : [])));
  return gone.flat();
}

/**
 * The caller's containers (`owners`: ownerFilter's labels) whose berth is proven gone: fresh ones,
 * and warm ones that never started (their berth killed between create and start). A running warm
 * container outlives its berth by design: it stops itself when idle. `runs`: judge only these run
 * sockets (already found gone). Nothing is removed: `berth gc --dry-run` shows these.
 */
export async function findOrphans(engine: EngineClient, owners: string[], runs?: string[]): Promise<{ orphans: Orphan[]; gone: Set<string> }> {
  const list = await engine.listContainers({ all: true, labels: [labelFilter(LABELS.managed, 'true'), LABELS.run, ...owners] });
  const candidates = list.filter((c) => c.labels[LABELS.warm] !== 'true' || c.state === 'created');
  const sockets = [...new Set(candidates.map((c) => c.labels[LABELS.run] ?? ''))];
  const gone = new Set(runs ?? (await Promise.all(sockets.map(async (s) => ((await isGone(s)) ? [s] : [])))).flat());
  const orphans = candidates
    .filter((c) => gone.has(c.labels[LABELS.run] ?? ''))
    .map((c) => ({ id: c.id, tool: c.labels[LABELS.tool] ?? '?', pid: Number(c.labels[LABELS.pid]) || 0 }));
  return { orphans, gone };
}

/** Removes what findOrphans finds, and the run sockets of the gone berths (only this user's own). */
export async function removeOrphans(engine: EngineClient, owners: string[], runs?: string[]): Promise<Orphan[]> {
  const { orphans, gone } = await findOrphans(engine, owners, runs);
  await Promise.all(orphans.map((o) => discardContainer(engine, o.id)));
  for (const s of gone) if (path.dirname(s) === runsDirectory()) rmSync(s, { force: true });
  return orphans;
}

/**
 * What every run does instead of listing the engine's containers: only when a run socket of a
 * berth that is gone is in the cache (it was killed mid-run) are containers looked for.
 */
export async function sweepOrphansIfAny(engine: EngineClient): Promise<Orphan[]> {
  // Notes of berths from before the run sockets (runs/PID): nothing can be proven from them.
  for (const n of directoryEntries(runsDirectory())) if (/^\d+$/.test(n)) rmSync(path.join(runsDirectory(), n), { force: true });
  const gone = await goneRuns();
  if (gone.length === 0) return [];
  return removeOrphans(engine, ownerFilter(), gone);
}
