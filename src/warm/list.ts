import { hostname } from 'node:os';
import type { EngineClient } from '../runtime/engine-client.js';
import { ownerFilter } from '../runtime/container/owner.js';
import { lastUsed, prunableWarmFiles, pruneWarmFiles, removeSocketDirectory, type PrunableFile } from './state.js';
import { SOURCE_SHA256 } from './server-build.js';
import { byName } from '../core/names.js';
import { labelFilter, LABELS } from '../core/labels.js';

/** A warm container as `berth warm ls` shows it. */
export interface WarmContainer {
  tool: string;
  version: string;
  image: string;
  imageId: string;
  key: string;
  /** The idle time after which it stops itself. */
  idleMinutes: number;
  /** Seconds left before it stops itself, counted from its last use that this user's berth knows of. */
  idleLeftSeconds: number;
  id: string;
  name: string;
  created: string;
  /** The uid of the user whose berth made it; null for one made before berth labelled that. */
  uid: number | null;
}

export interface WarmQuery {
  /** Only this tool's. */
  tool?: string;
  /** Stopped ones too. */
  stopped?: boolean;
  /** Whose (ownerFilter's labels); the caller's by default. */
  owners?: string[];
}

/** The warm containers that berth made from this host, the caller's unless `owners` says otherwise, by tool. */
export async function listWarm(engine: EngineClient, query: WarmQuery = {}): Promise<WarmContainer[]> {
  const labels = [labelFilter(LABELS.warm, 'true'), labelFilter(LABELS.managed, 'true'), labelFilter(LABELS.host, hostname()), ...(query.owners ?? ownerFilter())];
  if (query.tool) labels.push(labelFilter(LABELS.tool, query.tool));
  const list = await engine.listContainers({ labels, all: query.stopped });
  const now = Date.now();
  return list
    .map((c) => {
      const idleMinutes = Number(c.labels[LABELS.idleMinutes]) || 0;
      const since = Math.max(lastUsed(c.name) ?? 0, c.created * 1000);
      return {
        tool: c.labels[LABELS.tool] ?? '?',
        version: c.labels[LABELS.version] ?? '',
        image: c.labels[LABELS.image] ?? c.image,
        imageId: c.imageId,
        key: c.labels[LABELS.key] ?? '',
        idleMinutes,
        idleLeftSeconds: Math.max(0, Math.round(idleMinutes * 60 - (now - since) / 1000)),
        id: c.id,
        name: c.name,
        created: new Date(c.created * 1000).toISOString(),
        uid: /^\d+$/.test(c.labels[LABELS.uid] ?? '') ? Number(c.labels[LABELS.uid]) : null,
      };
    })
    .sort((a, b) => byName(a.tool, b.tool) || byName(a.created, b.created));
}

/**
 * Stops (and so removes: AutoRemove) the warm containers, all or one tool's, the caller's unless
 * `owners` says otherwise; returns those stopped.
 */
export async function stopWarm(engine: EngineClient, tool?: string, owners?: string[]): Promise<WarmContainer[]> {
  const list = await listWarm(engine, { tool, owners });
  const stopped: WarmContainer[] = [];
  await Promise.all(
    list.map(async (c) => {
      // Not removed: it removed itself in between.
      if (!(await engine.removeContainer(c.id))) return;
      if (c.key) removeSocketDirectory(c.key);
      stopped.push(c);
    }),
  );
  return stopped.sort((a, b) => byName(a.tool, b.tool) || byName(a.created, b.created));
}

/**
 * Removes the warm files in berth's cache that no warm container the engine has needs (`berth
 * gc`), or with `dryRun` only lists them. Only the caller's containers can use them: their keys
 * hold this cache (warmKey).
 */
export async function pruneWarmCache(engine: EngineClient, options: { dryRun?: boolean } = {}): Promise<PrunableFile[]> {
  const list = await listWarm(engine, { stopped: true });
  const args = [new Set(list.map((c) => c.key).filter(Boolean)), new Set(list.map((c) => c.name)), `server-${SOURCE_SHA256.slice(0, 12)}-`] as const;
  return options.dryRun ? prunableWarmFiles(...args) : pruneWarmFiles(...args);
}
