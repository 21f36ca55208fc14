import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { privateDirectory, writePrivateFile } from '../../platform/files.js';
import { engineVisibilityFile, visibilityProbeDirectory } from '../../platform/paths.js';
import { discardContainer, engineStatus, type EngineClient, type Endpoint } from '../engine-client.js';
import { endpointKey, endpointStamp } from './mode.js';

/** The file the probe looks for in its folder. */
const MARKER = 'berth-probe';

/**
 * Whether the engine sees the host's files at their paths, as a local dockerd does, and a remote
 * one (ssh, tcp), Docker-in-Docker or a VM without that folder shared do not. Found out, not
 * configured: a container is created (never started) from `image` with a fresh folder of berth's
 * cache bind-mounted, and asked through the archive API for the marker file in it. An engine that
 * refuses the bind (`bind source path does not exist`) or shows the folder without the marker
 * has files of its own. Kept per endpoint (a unix socket's file identity too: another engine
 * behind it asks afresh), so a run asks once; `forget` drops what is kept (a run whose binds the
 * engine refused after all).
 */
export async function engineSeesHost(engine: EngineClient, image: string, labels: Record<string, string>): Promise<boolean> {
  const key = endpointKey(engine.endpoint);
  const stamp = endpointStamp(engine.endpoint);
  try {
    const kept = JSON.parse(readFileSync(engineVisibilityFile(key), 'utf8')) as { key?: unknown; stamp?: unknown; seesHost?: unknown };
    if (kept.key === key && kept.stamp === stamp && typeof kept.seesHost === 'boolean') return kept.seesHost;
  } catch {
    // none kept yet, or damaged: ask
  }
  const seesHost = await probe(engine, image, labels);
  rememberVisibility(engine.endpoint, seesHost, stamp);
  return seesHost;
}

/** Keeps the answer for the endpoint (a test's fake engine is given one this way). */
export function rememberVisibility(endpoint: Endpoint, seesHost: boolean, stamp = endpointStamp(endpoint)): void {
  const key = endpointKey(endpoint);
  try {
    writePrivateFile(engineVisibilityFile(key), JSON.stringify({ key, stamp, seesHost }));
  } catch {
    // a read-only cache only costs a probe next time
  }
}

/** Drops the kept answer for the engine's endpoint. */
export function forgetVisibility(engine: EngineClient): void {
  rmSync(engineVisibilityFile(endpointKey(engine.endpoint)), { force: true });
}

async function probe(engine: EngineClient, image: string, labels: Record<string, string>): Promise<boolean> {
  const parent = visibilityProbeDirectory();
  privateDirectory(parent);
  const dir = mkdtempSync(path.join(parent, 'p-'));
  try {
    writeFileSync(path.join(dir, MARKER), '');
    let id: string;
    try {
      id = await engine.createContainer({
        Image: image,
        // Never started: only its filesystem is looked at.
        Entrypoint: ['/berth-probe-never-runs'],
        Cmd: [],
        Labels: labels,
        HostConfig: { Mounts: [{ Type: 'bind', Source: dir, Target: '/berth-probe', ReadOnly: true }], NetworkMode: 'none' },
      });
    } catch (error) {
      if (/bind source path does not exist|no such file or directory|not a directory/i.test((error as Error).message) && engineStatus(error) !== 404) return false;
      throw error;
    }
    try {
      const archive = await engine.getArchive(id, `/berth-probe/${MARKER}`);
      if (!archive) return false;
      (archive as NodeJS.ReadableStream & { resume(): void }).resume();
      return true;
    } finally {
      await discardContainer(engine, id);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
