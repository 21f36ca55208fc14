import { hostname } from 'node:os';
import { engineStatus, type EngineApi } from '../runtime/http/engine-api.js';
import { ownerFilter } from '../runtime/container/owner.js';
import { lastUsed, pruneWarmFiles, removeSocketDirectory } from './state.js';
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

interface Listed {
  Id: string;
  Names?: string[];
  Image: string;
  ImageID: string;
  Created: number;
  State: string;
  Labels: Record<string, string>;
}

/** The warm containers that berth made from this host, the caller's unless `owners` says otherwise, by tool. */
export async function listWarm(api: EngineApi, query: WarmQuery = {}): Promise<WarmContainer[]> {
  const labels = [labelFilter(LABELS.warm, 'true'), labelFilter(LABELS.managed, 'true'), labelFilter(LABELS.host, hostname()), ...(query.owners ?? ownerFilter())];
  if (query.tool) labels.push(labelFilter(LABELS.tool, query.tool));
  const filters = encodeURIComponent(JSON.stringify({ label: labels }));
  const list = await api.call<Listed[]>('GET', `/containers/json?${query.stopped ? 'all=1&' : ''}filters=${filters}`);
  const now = Date.now();
  return list
    .map((c) => {
      const name = (c.Names?.[0] ?? '').replace(/^\//, '');
      const idleMinutes = Number(c.Labels[LABELS.idleMinutes]) || 0;
      const since = Math.max(lastUsed(name) ?? 0, c.Created * 1000);
      return {
        tool: c.Labels[LABELS.tool] ?? '?',
        version: c.Labels[LABELS.version] ?? '',
        image: c.Labels[LABELS.image] ?? c.Image,
        imageId: c.ImageID,
        key: c.Labels[LABELS.key] ?? '',
        idleMinutes,
        idleLeftSeconds: Math.max(0, Math.round(idleMinutes * 60 - (now - since) / 1000)),
        id: c.Id,
        name,
        created: new Date(c.Created * 1000).toISOString(),
        uid: /^\d+$/.test(c.Labels[LABELS.uid] ?? '') ? Number(c.Labels[LABELS.uid]) : null,
      };
    })
    .sort((a, b) => byName(a.tool, b.tool) || byName(a.created, b.created));
}

/**
 * Stops (and so removes: AutoRemove) the warm containers, all or one tool's, the caller's unless
 * `owners` says otherwise; returns those stopped.
 */
export async function stopWarm(api: EngineApi, tool?: string, owners?: string[]): Promise<WarmContainer[]> {
  const list = await listWarm(api, { tool, owners });
  const stopped: WarmContainer[] = [];
  await Promise.all(
    list.map(async (c) => {
      try {
        await api.call('DELETE', `/containers/${c.id}?force=1`);
        if (c.key) removeSocketDirectory(c.key);
        stopped.push(c);
      } catch (error) {
        // removed by itself in between
        if (engineStatus(error) !== 404 && engineStatus(error) !== 409) throw error;
      }
    }),
  );
  return stopped.sort((a, b) => byName(a.tool, b.tool) || byName(a.created, b.created));
}

/**
 * Removes the warm files in berth's cache that no warm container the engine has needs (`berth
 * gc`). Only the caller's containers can use them: their keys hold this cache (warmKey).
 */
export async function pruneWarmCache(api: EngineApi): Promise<void> {
  const list = await listWarm(api, { stopped: true });
  pruneWarmFiles(new Set(list.map((c) => c.key).filter(Boolean)), new Set(list.map((c) => c.name)), `server-${SOURCE_SHA256.slice(0, 12)}-`);
}
