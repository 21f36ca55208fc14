import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { writePrivateFile } from '../../platform/files.js';
import { engineModeFile } from '../../platform/paths.js';
import type { EngineClient, Endpoint } from '../engine-client.js';
import { goArch } from '../../core/platforms.js';

/**
 * A rootless engine (rootless dockerd, rootless Podman) maps uid 0 in the container to the user,
 * so berth must not pass the user's uid:gid there; a rootful one must get it, or a `user: host`
 * tool runs as real root. Only the engine knows which it is: a socket the user owns may be a
 * forward to a rootful engine (socat, ssh -L, a socket proxy). So berth asks it (GET /info), and
 * whenever it cannot tell, takes it for rootful: a wrong "rootful" only keeps a tool on a rootless
 * engine from writing, a wrong "rootless" runs it as root.
 */
export interface EngineMode {
  rootless: boolean;
  /** Which engine serves the Docker API there: a run on Podman differs (runtime/container/run-container.ts). */
  kind: EngineKind;
  /** The engine's own platform (`linux/amd64`), what its images must be or emulate; '' when it did not say. */
  platform: string;
  /** asked: the engine answered now; cached: it answered earlier, for this very socket; assumed: no answer (rootful). */
  source: 'asked' | 'cached' | 'assumed';
  /** Why it is assumed. */
  reason?: string;
}

/**
 * How long the engine gets to answer. Podman's /info runs conmon and the OCI runtime for their
 * versions (~0.1 s measured here, rootful and rootless); dockerd's takes ~4 ms.
 */
const INFO_TIMEOUT_MS = 5000;

/**
 * Whether an /info answer says the engine is rootless: `name=rootless` among Docker's
 * SecurityOptions (Podman's compat API from 4.4 too), Podman's compat `Rootless: true` (4.3 says it
 * only there), libpod's `host.security.rootless`. Anything else, garbage included, is rootful.
 */
export function rootlessFromInfo(info: unknown): boolean {
  if (typeof info !== 'object' || info === null) return false;
  const i = info as { SecurityOptions?: unknown; Rootless?: unknown; host?: { security?: { rootless?: unknown } } };
  // Each option is comma-separated key=value pairs: "name=seccomp,profile=default".
  const named = Array.isArray(i.SecurityOptions) && i.SecurityOptions.some((o) => typeof o === 'string' && o.split(',').includes('name=rootless'));
  return named || i.Rootless === true || i.host?.security?.rootless === true;
}

export type EngineKind = 'docker' | 'podman';

/**
 * Which engine gave an /info answer: Podman's compat answer carries BuildahVersion (4.3 and
 * later), libpod's own is shaped `{ host, version }`; anything else is Docker. Read from the
 * answer that says rootless, so knowing it costs no request (/_ping's Server header says it too,
 * but /info is asked anyway, and kept).
 */
export function kindFromInfo(info: unknown): EngineKind {
  if (typeof info !== 'object' || info === null) return 'docker';
  const i = info as { BuildahVersion?: unknown; host?: unknown; version?: { Version?: unknown } };
  return typeof i.BuildahVersion === 'string' || (typeof i.host === 'object' && typeof i.version?.Version === 'string') ? 'podman' : 'docker';
}

/** The endpoint as one string: what berth keeps answers about an engine under. */
export function endpointKey(target: Endpoint): string {
  if (target.kind === 'unix') return `unix://${path.resolve(target.path)}`;
  if (target.kind === 'ssh') return target.url;
  return `${target.kind}://${target.hostname}:${target.port}`;
}

/**
 * The engine's platform from an /info answer: Docker's (and Podman's compat) OSType and
 * Architecture (uname's words: x86_64), libpod's host.os and host.arch; '' when it says neither.
 */
export function platformFromInfo(info: unknown): string {
  if (typeof info !== 'object' || info === null) return '';
  const i = info as { OSType?: unknown; Architecture?: unknown; host?: { os?: unknown; arch?: unknown } };
  const os = typeof i.OSType === 'string' ? i.OSType : i.host?.os;
  const arch = typeof i.Architecture === 'string' ? i.Architecture : i.host?.arch;
  return typeof os === 'string' && typeof arch === 'string' && /^[a-z0-9]+$/.test(os) && /^[a-zA-Z0-9_]+$/.test(arch) ? `${os}/${goArch(arch)}` : '';
}

/** What berth knows of an endpoint without asking it, and which answers it may keep for it. */
interface EndpointIdentity {
  key: string;
  stamp: string;
  keeps: 'any' | 'rootful' | 'none';
}

/**
 * The endpoint, and for a unix socket the socket file's device, inode and ctime, which change
 * when the engine (or a proxy) is restarted or replaced, since each makes its socket anew (a
 * reused inode number still gets a new ctime, unless the old socket went and the new one came
 * within one clock tick). A TCP address says nothing of what listens there: only "rootful" is
 * kept for it, which is safe to be wrong (`berth doctor` asks afresh). A socket that cannot be
 * stat'ed keeps nothing (the request fails too).
 */
function endpointIdentity(target: Endpoint, env: NodeJS.ProcessEnv = process.env): EndpointIdentity {
  const key = endpointKey(target);
  if (target.kind !== 'unix') return { key, stamp: '', keeps: 'rootful' };
  const socket = path.resolve(target.path);
  const stamp = endpointStamp(target);
  if (!stamp) return { key, stamp, keeps: 'none' };
  // A "rootless" answer is kept only for a socket where rootless engines make theirs (the
  // user's runtime directory): any other (a forward, a proxy) may lead to another engine
  // tomorrow through the very same socket file, and is asked each run.
  const runtime = env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`;
  const keeps = socket.startsWith(`${path.resolve(runtime)}/`) ? 'any' : 'rootful';
  return { key, stamp, keeps };
}

/** The endpoint's socket file's device, inode and ctime (see endpointIdentity); '' for TCP or one that cannot be stat'ed. */
export function endpointStamp(target: Endpoint): string {
  if (target.kind !== 'unix') return '';
  try {
    const st = statSync(path.resolve(target.path), { bigint: true });
    return `${st.dev}:${st.ino}:${st.ctimeNs}`;
  } catch {
    return '';
  }
}

const keeps = (id: EndpointIdentity, rootless: boolean) => id.keeps === 'any' || (id.keeps === 'rootful' && !rootless);

type Answer = Pick<EngineMode, 'rootless' | 'kind' | 'platform'>;

function cachedAnswer(id: EndpointIdentity): Answer | undefined {
  try {
    const entry = JSON.parse(readFileSync(engineModeFile(id.key), 'utf8')) as { key?: unknown; stamp?: unknown; rootless?: unknown; kind?: unknown; platform?: unknown };
    if (entry.key !== id.key || entry.stamp !== id.stamp || typeof entry.rootless !== 'boolean') return undefined;
    // An entry from before the kind was kept: asked again.
    if (entry.kind !== 'docker' && entry.kind !== 'podman') return undefined;
    // … or before its platform was.
    if (typeof entry.platform !== 'string') return undefined;
    return keeps(id, entry.rootless) ? { rootless: entry.rootless, kind: entry.kind, platform: entry.platform } : undefined;
  } catch {
    return undefined; // none yet, or damaged: ask
  }
}

function remember(id: EndpointIdentity, answer: Answer): void {
  if (!keeps(id, answer.rootless)) return;
  try {
    writePrivateFile(engineModeFile(id.key), JSON.stringify({ key: id.key, stamp: id.stamp, ...answer }));
  } catch {
    // a read-only cache only costs a request next time
  }
}

/**
 * Whether the engine `engine` speaks to is rootless, from berth's cache when this endpoint (this
 * socket file) answered before, else asked. `fresh` asks regardless (`berth doctor`), and records
 * the answer. An engine that cannot be asked is taken for rootful, and that guess is not kept.
 */
export async function engineMode(engine: Pick<EngineClient, 'endpoint' | 'info'>, options: { fresh?: boolean; timeoutMs?: number } = {}): Promise<EngineMode> {
  // Before the request: should the socket be replaced meanwhile, the answer is kept under the old
  // identity, never the new one.
  const id = endpointIdentity(engine.endpoint);
  if (!options.fresh) {
    const cached = cachedAnswer(id);
    if (cached) return { ...cached, source: 'cached' };
  }
  let info: unknown;
  try {
    info = await engine.info({ timeoutMs: options.timeoutMs ?? INFO_TIMEOUT_MS });
  } catch (error) {
    return { rootless: false, kind: 'docker', platform: '', source: 'assumed', reason: `GET /info: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof info !== 'object' || info === null) return { rootless: false, kind: 'docker', platform: '', source: 'assumed', reason: 'GET /info: not a JSON object' };
  const answer: Answer = { rootless: rootlessFromInfo(info), kind: kindFromInfo(info), platform: platformFromInfo(info) };
  remember(id, answer);
  return { ...answer, source: 'asked' };
}

/** What a run needs to know of its engine (see runEngine). */
export interface RunEngine {
  kind: EngineKind;
  /** The engine maps uid 0 to the user: the run leaves the user's uid:gid out. */
  rootless: boolean;
  /** The engine's platform (`linux/amd64`); '' or undefined when unknown (nothing is checked then). */
  platform?: string;
}

/**
 * The engine a run speaks to, as kept for its endpoint (asked at the first run). Invoked as root
 * there is nothing to remap: never rootless. Never throws: an endpoint berth cannot speak to is
 * a rootful Docker here, and the run reports it. `engine`: the run's, else the process's.
 */
export async function runEngine(engine?: EngineClient): Promise<RunEngine> {
  try {
    const mode = await engineMode(engine ?? (await import('./client.js')).engineClient());
    return { kind: mode.kind, rootless: mode.rootless && (process.getuid?.() ?? 0) !== 0, platform: mode.platform };
  } catch {
    return { kind: 'docker', rootless: false };
  }
}
