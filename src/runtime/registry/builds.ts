import { EngineError } from '../../platform/errors.js';
import { writePrivateFile } from '../../platform/files.js';
import { withHeldLock } from '../../platform/lock-file.js';
import { buildLogFile, pullLockFile } from '../../platform/paths.js';
import { readFileSync } from 'node:fs';
import { HOST_CA_FILE, type BuildPlan } from '../../core/recipes/build.js';
import { hostCaBundle, proxyEnv } from '../../core/host-trust.js';
import { LABELS } from '../../core/labels.js';
import { STALLED, type EngineClient, type ImageFacts } from '../engine-client.js';
import { engineFailure } from '../http/endpoint.js';
import { inspectImage } from './images.js';

/** How a build shows itself (ui/build-progress.ts): each line of output as it comes, then stop. */
export interface BuildProgress {
  line(text: string): void;
  stop(): void;
}

export type BuildReporter = (tool: string, tag: string) => Promise<BuildProgress>;

export interface BuildRequest {
  /** The tool it is for (messages, progress). */
  tool: string;
  plan: BuildPlan;
  /** Build even when the tag is cached (`berth build`). */
  force?: boolean;
  /** Every step again, none from the engine's cache (`berth build --no-cache`). */
  noCache?: boolean;
  /** When the image is not built: fail instead of building (the pull policy "never"). */
  offline?: boolean;
  onBuild: BuildReporter;
}

/**
 * A build that prints nothing for this long fails (a mirror that stalls mid-download, a step
 * that hangs on input); the whole build has no deadline, since a big install may take long but
 * prints as it goes. BERTH_BUILD_STALL: seconds.
 */
const BUILD_STALL_MS = Number(process.env.BERTH_BUILD_STALL) * 1000 || 300_000;
/** A build lock not freshened for this long is its holder's no more (see ensureImage's). */
const BUILD_LOCK_STALE_MS = 60_000;
/** How much of a failed build's log the message shows. */
const TAIL_LINES = 20;
/** The log kept of a build: its end, where the failure is. */
const LOG_LIMIT = 4_000_000;

/**
 * Makes sure the recipe's build image is there: a cached tag costs one inspect and no network;
 * else it is built (berths building the same tag at once take turns, and the later ones find it).
 */
export async function ensureBuilt(engine: EngineClient, request: BuildRequest): Promise<ImageFacts> {
  const { tag } = request.plan;
  if (!request.force) {
    const cached = await inspectImage(engine, tag);
    if (cached) return cached;
    if (request.offline) {
      throw new EngineError(`${request.tool}: its image ${tag} is not built and the pull policy is "never"; build it with: berth build ${request.tool}`);
    }
  }
  const cached = await withHeldLock(pullLockFile(tag), BUILD_LOCK_STALE_MS, async () => {
    if (!request.force) {
      const cached = await inspectImage(engine, tag);
      if (cached) return cached;
    }
    await build(engine, request);
    return undefined;
  });
  if (cached) return cached;
  const built = await inspectImage(engine, tag);
  if (!built) throw new EngineError(`built ${tag} but the engine does not have it`);
  return built;
}

async function build(engine: EngineClient, request: BuildRequest): Promise<void> {
  const { plan, tool } = request;
  const logFile = buildLogFile(plan.tag);
  let log = `# berth build of ${tool}: ${plan.tag}\n${plan.dockerfile.replace(/^/gm, '# ')}\n`;
  let failure: string | undefined;
  const progress = await request.onBuild(tool, plan.tag);
  try {
    const trust = buildTrust(plan);
    // Whose build it is: not a build input (the same section is the same image for everyone).
    const labels = { ...plan.labels, [LABELS.buildUid]: String(process.getuid?.() ?? 0) };
    for await (const event of engine.buildImage(plan.dockerfile, { tag: plan.tag, labels, noCache: request.noCache, stallMs: BUILD_STALL_MS, ...trust })) {
      if (event.stream) {
        log += event.stream;
        for (const line of event.stream.split('\n')) if (line.trim()) progress.line(line);
      }
      if (event.error) {
        failure ??= event.error.trim();
        log += `${event.error}\n`;
      }
      if (log.length > LOG_LIMIT) log = log.slice(-LOG_LIMIT / 2);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === STALLED) failure = `the build printed nothing for ${BUILD_STALL_MS / 1000} s (a stalled download or a step waiting for input)`;
    else failure = engineFailure(error, `building ${plan.tag}`).message;
    log += `${failure}\n`;
  } finally {
    progress.stop();
    keepLog(logFile, log);
  }
  if (failure === undefined) return;
  throw new EngineError(`building ${tool} failed: ${failure}${baseHint(failure, plan)}\nlast lines of ${logFile}:\n${tail(log)}`);
}

/**
 * What a build gets of the host's network trust (core/host-trust.ts): the proxy variables as
 * build arguments, always (the builder keeps them out of the image), and the CA certificates in
 * the context when the plan copies them in.
 */
function buildTrust(plan: BuildPlan): { files?: Record<string, string>; buildArgs: Record<string, string> } {
  const buildArgs = Object.fromEntries(proxyEnv(process.env));
  if (!plan.hostCa) return { buildArgs };
  const bundle = hostCaBundle();
  if (!bundle) throw new EngineError(`the host's CA certificates are gone since the build was planned; run again, or build without them (--no-host-ca)`);
  return { buildArgs, files: { [HOST_CA_FILE]: readFileSync(bundle, 'latin1') } };
}

/** Writes the log; a log that cannot be written loses only itself, never the build's outcome. */
function keepLog(file: string, text: string): void {
  try {
    writePrivateFile(file, text);
  } catch {
    // the message still carries the tail
  }
}

function tail(log: string): string {
  return log
    .trimEnd()
    .split('\n')
    .slice(-TAIL_LINES)
    .map((line) => `  ${line}`)
    .join('\n');
}

/** The engine could not fetch the base: say how to build on one it has (air-gapped, no registry). */
function baseHint(failure: string, plan: BuildPlan): string {
  if (!/pull access denied|manifest unknown|not found|dial tcp|no such host|i\/o timeout|connection refused|TLS handshake timeout|network is unreachable/i.test(failure)) return '';
  if (!/pull|manifest|registry|dial tcp|lookup/i.test(failure)) return '';
  return ` (the engine cannot get the base ${plan.base}: build on an image it has with --base REF or BERTH_BASE_IMAGE=REF)`;
}
