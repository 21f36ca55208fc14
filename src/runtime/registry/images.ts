import { EngineError } from '../../platform/errors.js';
import { formatImageReference, parseImageReference } from '../../core/image-reference.js';
import { pullLockFile } from '../../platform/paths.js';
import { engineStatus, STALLED, type EngineClient, type ImageFacts } from '../engine-client.js';
import { engineFailure } from '../http/endpoint.js';
import { withHeldLock } from '../../platform/lock-file.js';
import { imagePlatformProblem } from '../../core/platforms.js';

import type { PullPolicy } from '../../platform/settings.js';

/** The image as the engine has it, or undefined when it is not cached. */
export async function inspectImage(engine: EngineClient, ref: string): Promise<ImageFacts | undefined> {
  try {
    return await engine.inspectImage(ref);
  } catch (error) {
    throw engineFailure(error, `inspecting ${ref}`);
  }
}

export interface PullProgress {
  /** Called with bytes done and total (total 0 while unknown). */
  update(done: number, total: number): void;
}

/** Pulls `ref` and fails on any error the engine reports inside the progress stream. */
export async function pullImage(engine: EngineClient, ref: string, progress?: PullProgress, platform?: string): Promise<void> {
  const parsed = parseImageReference(ref);
  const fromImage = formatImageReference({ registry: parsed.registry, repository: parsed.repository });
  const tag = parsed.digest ?? parsed.tag ?? 'latest';
  // Credentials (and node:child_process for their helpers) load only for a pull.
  const { registryAuth } = await import('./credentials.js');
  const auth = await registryAuth(parsed.registry);
  const layers = new Map<string, { done: number; total: number }>();
  let failed: Error | undefined;
  try {
    for await (const event of engine.pullImage(fromImage, tag, { auth, stallMs: PULL_STALL_MS, platform })) {
      if (event.error) failed ??= new EngineError(`pulling ${ref} failed: ${event.error.trim()}${pullHint(event.error, parsed)}`);
      else if (event.layer && event.total) {
        const layer = { done: event.status === 'Extracting' ? event.total : (event.current ?? 0), total: event.total };
        layers.set(event.layer, layer);
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
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === STALLED) throw stalledPull(ref, parsed);
    const failure = engineFailure(error, `pulling ${ref}`);
    // The engine refused the pull before streaming it (an unreachable registry, an unknown tag).
    throw engineStatus(error) === undefined ? failure : new EngineError(`${failure.message}${pullHint(failure.message, parsed)}`);
  }
  if (failed) throw failed;
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
  // (A registry with basic auth that got none or wrong ones: dockerd says "no basic auth credentials".)
  if (/unauthorized|authentication required|no basic auth credentials|denied|forbidden/i.test(message)) {
    return ` (the registry refused: log in with docker login ${ref.registry}; berth uses ~/.docker/config.json as docker does)`;
  }
  const platform = /no matching manifest for (\S+)/.exec(message)?.[1];
  if (platform) return ` (the image has no ${platform} variant: one of its own platforms runs emulated with --platform OS/ARCH where the engine can)`;
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
  engine: EngineClient,
  ref: string,
  policy: PullPolicy,
  onPull: (ref: string) => Promise<PullProgress & { stop(): void }>,
  platform?: string,
): Promise<ImageFacts> {
  // An image cached for another platform than the one asked for is pulled again, for that one.
  const fits = (facts: ImageFacts) => platform === undefined || imagePlatformProblem('', ref, facts, platform, true) === undefined;
  if (policy !== 'always') {
    const cached = await inspectImage(engine, ref);
    if (cached && fits(cached)) return cached;
    if (policy === 'never') {
      throw new EngineError(`image ${ref} is not cached and the pull policy is "never"; pull it with: docker pull ${ref} (or run with --pull missing)`);
    }
  }
  const cached = await withHeldLock(pullLockFile(ref), PULL_LOCK_STALE_MS, async () => {
    if (policy !== 'always') {
      const cached = await inspectImage(engine, ref);
      if (cached && fits(cached)) return cached;
    }
    const progress = await onPull(ref);
    try {
      await pullImage(engine, ref, progress, platform);
    } finally {
      progress.stop();
    }
    return undefined;
  });
  if (cached) return cached;
  const pulled = await inspectImage(engine, ref);
  if (!pulled) throw new EngineError(`pulled ${ref} but the engine does not have it`);
  return pulled;
}

/** A pull lock not freshened for this long is its holder's no more (BERTH_PULL_STALL scales it: tests). */
const PULL_LOCK_STALE_MS = Math.min(60_000, 2 * PULL_STALL_MS);
