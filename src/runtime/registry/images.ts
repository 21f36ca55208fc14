import { EngineError } from '../../platform/errors.js';
import { formatImageReference, parseImageReference } from '../../core/image-reference.js';
import { pullLockFile } from '../../platform/paths.js';
import { engineApi, engineStatus, STALLED } from '../http/engine-api.js';
import { engineFailure } from '../http/endpoint.js';
import { acquireLock, touchLock } from '../../platform/lock-file.js';

import type { PullPolicy } from '../../platform/settings.js';

export interface ImageFacts {
  id: string;
  size: number;
  repoDigests: string[];
  /** The image's ENTRYPOINT and CMD (a warm call execs what a fresh container would run). */
  entrypoint: string[];
  cmd: string[];
}

/** The image as the engine has it, or undefined when it is not cached. */
export async function inspectImage(ref: string): Promise<ImageFacts | undefined> {
  try {
    const info = await engineApi().call<{ Id: string; Size: number; RepoDigests?: string[]; Config?: { Entrypoint?: string[] | null; Cmd?: string[] | null } }>(
      'GET',
      `/images/${ref}/json`,
    );
    return { id: info.Id, size: info.Size, repoDigests: info.RepoDigests ?? [], entrypoint: info.Config?.Entrypoint ?? [], cmd: info.Config?.Cmd ?? [] };
  } catch (error) {
    if (engineStatus(error) === 404) return undefined;
    throw engineFailure(error, `inspecting ${ref}`);
  }
}


export interface PullProgress {
  /** Called with bytes done and total (total 0 while unknown). */
  update(done: number, total: number): void;
}

/** Pulls `ref` and fails on any error the engine reports inside the progress stream. */
export async function pullImage(ref: string, progress?: PullProgress): Promise<void> {
  const parsed = parseImageReference(ref);
  const fromImage = formatImageReference({ registry: parsed.registry, repository: parsed.repository });
  const tag = parsed.digest ?? parsed.tag ?? 'latest';
  // Credentials (and node:child_process for their helpers) load only for a pull.
  const { registryAuth } = await import('./credentials.js');
  const auth = await registryAuth(parsed.registry);
  // The engine's X-Registry-Auth: the credentials as base64url JSON.
  const headers: Record<string, string> = auth ? { 'X-Registry-Auth': Buffer.from(JSON.stringify(auth)).toString('base64url') } : {};
  let stream: NodeJS.ReadableStream;
  try {
    stream = await engineApi().stream('POST', `/images/create?fromImage=${encodeURIComponent(fromImage)}&tag=${encodeURIComponent(tag)}`, headers, { stallMs: PULL_STALL_MS });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === STALLED) throw stalledPull(ref, parsed);
    // The engine refused the pull before streaming it (an unreachable registry, an unknown tag).
    const failure = engineFailure(error, `pulling ${ref}`);
    throw engineStatus(error) === undefined ? failure : new EngineError(`${failure.message}${pullHint(failure.message, parsed)}`);
  }
  const layers = new Map<string, { done: number; total: number }>();
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    let failed: Error | undefined;
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        let event: { error?: string; id?: string; status?: string; progressDetail?: { current?: number; total?: number } };
        try {
          event = JSON.parse(line);
        } catch {
          continue;
        }
        if (event.error) failed ??= new EngineError(`pulling ${ref} failed: ${event.error.trim()}${pullHint(event.error, parsed)}`);
        else if (event.id && event.progressDetail?.total) {
          const layer = { done: event.progressDetail.current ?? 0, total: event.progressDetail.total };
          if (event.status === 'Extracting') layer.done = layer.total;
          layers.set(event.id, layer);
          if (progress) {
            let done = 0;
            let total = 0;
            for (const l of layers.values()) {
              done += l.done;
              total += l.total;
            }
            progress.update(done, total);
          }
        }
      }
    });
    stream.on('error', (error: NodeJS.ErrnoException) => reject(error.code === STALLED ? stalledPull(ref, parsed) : engineFailure(error, `pulling ${ref}`)));
    stream.on('end', () => (failed ? reject(failed) : resolve()));
  });
}

/**
 * A pull whose progress stops for this long fails (the registry stalls mid-manifest or mid-layer,
 * and the engine says nothing), releasing its lock to the berths waiting on it. The engine sends
 * progress at least every few seconds while anything moves. BERTH_PULL_STALL: seconds.
 */
const PULL_STALL_MS = Number(process.env.BERTH_PULL_STALL) * 1000 || 60_000;

function stalledPull(ref: string, parsed: ReturnType<typeof parseImageReference>): EngineError {
  return new EngineError(`pulling ${ref} made no progress for ${PULL_STALL_MS / 1000} s: ${parsed.registry} (or the engine) stalled; try again, or point berth at a mirror (berth config set registryMirror HOST:PORT)`);
}

/**
 * What the user can do about a failed pull, from the engine's words: a registry the engine cannot
 * reach, one that refuses the credentials, or a tag or digest it does not have.
 */
function pullHint(message: string, ref: ReturnType<typeof parseImageReference>): string {
  if (/dial tcp|no such host|connection refused|i\/o timeout|TLS handshake timeout|server misbehaving|network is unreachable|timeout exceeded|Client\.Timeout/i.test(message)) {
    return ` (the engine cannot reach ${ref.registry}: point berth at a mirror with berth config set registryMirror HOST:PORT, run another image with --image, or run what is cached with --pull never)`;
  }
  if (/unauthorized|authentication required|denied|forbidden/i.test(message)) {
    return ` (the registry refused: log in with docker login ${ref.registry}; berth uses ~/.docker/config.json as docker does)`;
  }
  if (/manifest unknown|not found|does not exist/i.test(message)) {
    return ref.digest
      ? ` (the registry no longer has this digest; in a project whose berth.lock locks it, berth sync --update locks what the tag names now)`
      : ` (the registry has no ${ref.tag ?? 'latest'} for ${ref.repository}: check the version)`;
  }
  return '';
}

/**
 * Makes sure the image is cached, pulling per the policy. A cached image costs one inspect
 * and no registry request. Processes pulling the same reference at once take turns through
 * a lock file, so the image is pulled once and the others find it cached.
 */
export async function ensureImage(
  ref: string,
  policy: PullPolicy,
  onPull: (ref: string) => Promise<PullProgress & { stop(): void }>,
): Promise<ImageFacts> {
  if (policy !== 'always') {
    const cached = await inspectImage(ref);
    if (cached) return cached;
    if (policy === 'never') {
      throw new EngineError(`image ${ref} is not cached and the pull policy is "never"; pull it with: docker pull ${ref} (or run with --pull missing)`);
    }
  }
  const lock = pullLockFile(ref);
  const release = (await acquireLock(lock, { pollMs: 200, staleAfterMs: PULL_LOCK_STALE_MS }))!;
  // Kept fresh while this process pulls: a holder that is stopped (Ctrl-Z, SIGSTOP) or frozen
  // stops freshening it, and the berths waiting take it over instead of waiting for ever.
  const heartbeat = setInterval(() => touchLock(lock), PULL_LOCK_STALE_MS / 4);
  heartbeat.unref();
  try {
    if (policy !== 'always') {
      const cached = await inspectImage(ref);
      if (cached) return cached;
    }
    const progress = await onPull(ref);
    try {
      await pullImage(ref, progress);
    } finally {
      progress.stop();
    }
  } finally {
    clearInterval(heartbeat);
    release();
  }
  const pulled = await inspectImage(ref);
  if (!pulled) throw new EngineError(`pulled ${ref} but the engine does not have it`);
  return pulled;
}

/** A pull lock not freshened for this long is its holder's no more (BERTH_PULL_STALL scales it: tests). */
const PULL_LOCK_STALE_MS = Math.min(60_000, 2 * PULL_STALL_MS);
