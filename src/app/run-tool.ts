import { effectiveSetting, readSettings, registryMirror, warmIdleSeconds, type Settings } from '../platform/settings.js';
import { EngineError } from '../platform/errors.js';
import { warn } from '../platform/terminal-text.js';
import { applyMirror } from '../core/image-reference.js';
import type { RunIO } from '../runtime/container/run-container.js';
import { engineStatus, type EngineClient } from '../runtime/engine-client.js';
import { engineAddress, engineFailure } from '../runtime/http/endpoint.js';
import type { RunEngine } from '../runtime/engine/mode.js';
import { stdinIsDevNull } from '../runtime/stdio/streams.js';
import type { PullPolicy } from '../platform/settings.js';
import { makeCreatedFiles } from '../core/run/created-files.js';
import { hostIdentity } from '../core/run/identity.js';
import { policyContext } from '../core/run/path-policy.js';
import { planRun, type RunPlan, type RunRequest } from '../core/run/plan.js';
import { resolveTool } from '../core/run/resolve.js';
import { pullReporter } from '../ui/pull-progress.js';

/** Resolves the tool and plans its container, without touching the engine. */
export async function planTool(request: RunRequest, io: RunIO): Promise<RunPlan> {
  return (await planToolRun(request, io)).plan;
}

/**
 * The plan, the settings it was made with, and whether it runs warm: --warm / --no-warm, else the
 * user setting when set, else the recipe. `engine`: the one the run will use, else the process's.
 */
async function planToolRun(
  request: RunRequest,
  io: RunIO,
  engine?: EngineClient,
): Promise<{ plan: RunPlan; warm: boolean; settings: Settings; unmirrored: string; kind: RunEngine }> {
  const { runEngine } = await import('../runtime/engine/mode.js');
  const { engineAddress } = await import('../runtime/http/endpoint.js');
  const resolved = await resolveTool(request.tool, process.cwd(), request.image);
  const settings = readSettings();
  // Asked once the recipe is known to be good (kept per engine socket); with no engine, as for
  // --dry-run offline, the safe answer: a rootful Docker, the user's uid:gid.
  const kind = await runEngine(engine);
  // The mirror serves pulls (the recipe's image and --image alike); see runTool for what is local.
  const image = applyMirror(resolved.image, registryMirror(process.env, settings));
  const plan = planRun(resolved.recipe, image, request.args, { ...request, version: resolved.version }, {
    cwd: process.cwd(),
    env: process.env,
    stdinIsTTY: !stdinIsDevNull() && Boolean(io.stdin.isTTY),
    stdoutIsTTY: Boolean(io.stdout.isTTY),
    terminalSize: io.stdout.isTTY && io.stdout.rows ? [io.stdout.rows, io.stdout.columns] : undefined,
    identity: hostIdentity(),
    rootless: kind.rootless,
    policy: () => policyContext(process.env, knownEndpoint(engineAddress)),
    warn: (line) => warn(line, io.stderr),
  });
  return { plan, warm: request.warm ?? settings.warm ?? resolved.recipe.warm, settings, unmirrored: resolved.image, kind };
}

/** The engine's address for the path policy; undefined (the default socket) when the docker context is broken (the run reports that). */
function knownEndpoint(endpoint: () => string): string | undefined {
  try {
    return endpoint();
  } catch {
    return undefined;
  }
}

/**
 * The run's sync when the engine cannot see this machine's files (asked once per endpoint and
 * kept: runtime/engine/visibility.ts), else undefined. Its modules load only then.
 */
async function workspaceSync(client: EngineClient, plan: RunPlan, io: RunIO, ensure: () => Promise<unknown>): Promise<import('../runtime/container/workspace-sync.js').SyncedRun | undefined> {
  const { engineSeesHost } = await import('../runtime/engine/visibility.js');
  const { inspectImage } = await import('../runtime/registry/images.js');
  const sees = () => engineSeesHost(client, plan.image, plan.labels);
  let seesHost: boolean;
  try {
    seesHost = await sees();
  } catch (error) {
    // The probe needs the image on the engine.
    if (engineStatus(error) !== 404) throw engineFailure(error, 'asking whether the engine sees this machine\'s files');
    await ensure();
    seesHost = await sees();
  }
  if (seesHost) return undefined;
  const image = (await inspectImage(client, plan.image)) ?? (await ensure(), await inspectImage(client, plan.image));
  if (!image) throw new EngineError(`the engine has no image ${plan.image} after pulling it`);
  const { arch } = await client.version();
  const { PROGRAMS } = await import('../runtime/container/sync-helper-program.js');
  const program = PROGRAMS[arch];
  if (!program) throw new EngineError(`the engine at ${engineAddress()} cannot see this machine's files, and berth's sync helper is not built for its architecture (${arch})`);
  const { prepareSync } = await import('../runtime/container/workspace-sync.js');
  return prepareSync(client, plan, image, Buffer.from(program, 'base64'), io.stderr).catch((error: unknown) => {
    throw (error as NodeJS.ErrnoException).path ? new EngineError(`syncing the workspace: ${(error as Error).message}`) : engineFailure(error, 'syncing the workspace');
  });
}

/**
 * `berth run`: plan, make sure the image is cached, run, and return the tool's exit code.
 * `engine`: the process's client unless given (a test's fake); made once the plan is good.
 */
export async function runTool(request: RunRequest, io: RunIO, engine?: EngineClient): Promise<number> {
  const { plan, warm: warmAsked, settings, unmirrored, kind } = await planToolRun(request, io, engine);
  const client = engine ?? (await import('../runtime/engine/client.js')).engineClient();
  const { ensureImage, inspectImage } = await import('../runtime/registry/images.js');
  // The mirror is for pulling: an image the engine has under its own name runs as it is, with
  // no mirror asked (one inspect, only when a mirror is set).
  if (plan.image !== unmirrored && (await inspectImage(client, unmirrored))) plan.image = unmirrored;
  const { recordRun, sweepOrphansIfAny } = await import('../runtime/container/orphans.js');
  const { runContainer } = await import('../runtime/container/run-container.js');
  const policy = request.pull ?? (effectiveSetting('pullPolicy', process.env, settings).value as PullPolicy);
  // Files to be written that berth makes for the tool (see pathMounts): made last before the
  // run, so that nothing can fail between their making and the cleanup below; one berth cannot
  // make stops the run here.
  const created = makeCreatedFiles(plan.mounts);
  // Orphans of killed berths are swept alongside the run, never in its way.
  const sweep = sweepOrphansIfAny(client).catch(() => []);
  const record = recordRun(client);
  let failed = false;
  let containerMade = false;
  const ensure = () => ensureImage(client, plan.image, policy, pullReporter(io.stderr, request.quiet ?? false));
  // A single file made for this call is of no use to a later one: such a call runs fresh.
  let warm = warmAsked && !plan.mounts.some((m) => m.create);
  try {
    // An engine that cannot see this machine's files (remote, in a VM) gets copies (see workspaceSync).
    const sync = await workspaceSync(client, plan, io, ensure);
    if (sync) warm = false;
    if (warm) {
      // The call run in a warm container, or undefined: this call runs fresh (see src/warm/run-warm.ts).
      // Its module loads while the engine answers the image inspect.
      const [image, { runWarm }] = await Promise.all([ensure(), import('../warm/run-warm.js')]);
      const code = await runWarm(client, plan, image, io, { idleSeconds: warmIdleSeconds(settings), engine: kind });
      if (code !== undefined) return code;
    } else if (policy === 'always') await ensure();
    return await runContainer(client, plan, io, { engine: kind, onMissingImage: ensure, onCreated: () => (containerMade = true), sync });
  } catch (error) {
    // Only a container that exists can run on unseen (a warm call's tool dies with its connection).
    if (!(error instanceof EngineError) || !containerMade) throw error;
    failed = true;
    // berth or the engine failed (the engine lost mid-run): the tool must not run on unseen.
    const removed = await record.abandon();
    if (removed === undefined) throw new EngineError(`${error.message} (if the tool's container is still there, the next berth run or berth gc removes it)`);
    throw removed > 0 ? new EngineError(`${error.message} (the tool's container was removed)`) : error;
  } finally {
    created.cleanup();
    if (!failed) record.end();
    await sweep;
    client.close();
  }
}
