import { hostCaEnabled, effectiveSetting, readSettings, registryMirror, toolPlatform, warmIdleSeconds, type PullPolicy, type Settings } from '../platform/settings.js';
import { EngineError, UsageError } from '../platform/errors.js';
import { warn } from '../platform/terminal-text.js';
import { applyMirror } from '../core/image-reference.js';
import type { RunIO } from '../runtime/container/run-container.js';
import { engineStatus, type EngineClient, type ImageFacts } from '../runtime/engine-client.js';
import { engineAddress, engineFailure } from '../runtime/http/endpoint.js';
import { buildPlatformProblem, imagePlatformProblem, recipePlatformProblem } from '../core/platforms.js';
import type { RunEngine } from '../runtime/engine/mode.js';
import { stdinIsDevNull } from '../runtime/stdio/streams.js';
import { makeCreatedFiles } from '../core/run/created-files.js';
import { hostIdentity } from '../core/run/identity.js';
import { hostCaBundle } from '../core/host-trust.js';
import { policyContext } from '../core/run/path-policy.js';
import { planRun, type RunPlan, type RunRequest } from '../core/run/plan.js';
import { resolveTool } from '../core/run/resolve.js';
import { resolveOptions } from './resolve-options.js';
import type { BuildPlan } from '../core/recipes/build.js';
import type { Recipe } from '../core/recipes/schema.js';
import { pullReporter } from '../ui/pull-progress.js';

/** Resolves the tool and plans its container, without touching the engine. */
export async function planTool(request: RunRequest, io: RunIO): Promise<{ plan: RunPlan; kind: RunEngine }> {
  return planToolRun(request, io);
}

/**
 * The plan, the settings it was made with, and whether it runs warm: --warm / --no-warm, else the
 * user setting when set, else the recipe. `engine`: the one the run will use, else the process's.
 */
async function planToolRun(
  request: RunRequest,
  io: RunIO,
  engine?: EngineClient,
): Promise<{ plan: RunPlan; warm: boolean; settings: Settings; unmirrored: string; kind: RunEngine; build?: BuildPlan; recipe: Recipe; platforms?: string[] }> {
  const { runEngine } = await import('../runtime/engine/mode.js');
  const settings = readSettings();
  const resolved = await resolveTool(request.tool, process.cwd(), request.image, resolveOptions(request, settings));
  // Asked once the recipe is known to be good (kept per engine socket); with no engine, as for
  // --dry-run offline, the safe answer: a rootful Docker, the user's uid:gid.
  const kind = await runEngine(engine);
  // The mirror serves pulls (the recipe's image and --image alike); see runTool for what is local.
  // A build's image is the engine's own, never pulled: no mirror for it.
  const image = resolved.build ? resolved.image : applyMirror(resolved.image, registryMirror(process.env, settings));
  const platform = request.platform ?? toolPlatform(resolved.recipe.name, settings);
  const plan = planRun(resolved.recipe, image, request.args, { ...request, version: resolved.version, hostCa: hostCaEnabled(request.hostCa, process.env, settings), platform }, {
    cwd: process.cwd(),
    env: process.env,
    stdinIsTTY: !stdinIsDevNull() && Boolean(io.stdin.isTTY),
    stdoutIsTTY: Boolean(io.stdout.isTTY),
    terminalSize: io.stdout.isTTY && io.stdout.rows ? [io.stdout.rows, io.stdout.columns] : undefined,
    identity: hostIdentity(),
    caBundle: () => hostCaBundle(),
    rootless: kind.rootless,
    keepId: kind.kind === 'podman' && kind.rootless,
    policy: () => policyContext(process.env, knownEndpoint(engineAddress)),
    warn: (line) => warn(line, io.stderr),
  });
  // The recipe's platforms are its image's: another image (--image) may have others.
  const platforms = request.image ? undefined : resolved.recipe.platforms;
  return { plan, warm: request.warm ?? settings.warm ?? resolved.recipe.warm, settings, unmirrored: resolved.image, kind, build: resolved.build, recipe: resolved.recipe, platforms };
}

/** The package spec a backend's recipe was made for (its `file`), else undefined. */
function packageSpecOf(recipe: Recipe): string | undefined {
  return recipe.source === 'package' ? recipe.file : undefined;
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
async function workspaceSync(client: EngineClient, plan: RunPlan, io: RunIO, ensure: () => Promise<unknown>, probe = false): Promise<import('../runtime/container/workspace-sync.js').SyncedRun | undefined> {
  const { engineArch, engineSeesHost } = await import('../runtime/engine/visibility.js');
  const { inspectImage } = await import('../runtime/registry/images.js');
  const sees = () => engineSeesHost(client, plan.image, plan.labels, { probe });
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
  // The image's entrypoint and command, which the sync helper runs, unless the plan names its own.
  const inspect = () => inspectImage(client, plan.image);
  const image = plan.entrypoint.length > 0 ? { id: '', size: 0, repoDigests: [], entrypoint: [], cmd: [] } : ((await inspect()) ?? (await ensure(), await inspect()));
  if (!image) throw new EngineError(`the engine has no image ${plan.image} after pulling it`);
  const arch = await engineArch(client);
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
  const { plan, warm: warmAsked, settings, unmirrored, kind, build, recipe, platforms } = await planToolRun(request, io, engine);
  // The platform the image must be: the one asked for, else the engine's own (unknown: nothing checked).
  const wanted = plan.platform ?? (kind.platform || undefined);
  const refusal = wanted && recipePlatformProblem(plan.tool, platforms, wanted, plan.platform !== undefined);
  if (refusal) throw new EngineError(refusal);
  if (build && plan.platform) throw new UsageError(buildPlatformProblem(plan.tool, plan.platform), 'run');
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
  // The image's facts, to check its platform before the tool starts: those of the pull (or the
  // build), else an inspect asked beside the create (no request more on the way to the start).
  let facts: Promise<ImageFacts | undefined> | undefined;
  // A recipe that builds its image builds it on first use (its progress on stderr); "never" only refuses to.
  const ensure = () => {
    const made = build
      ? import('./build.js').then(({ ensureBuildImage }) =>
          ensureBuildImage(client, plan.tool, build, { offline: policy === 'never', quiet: request.quiet, stderr: io.stderr, packageSpec: packageSpecOf(recipe) }),
        )
      : ensureImage(client, plan.image, policy, pullReporter(io.stderr, request.quiet ?? false), plan.platform);
    facts = made;
    return made;
  };
  const checkPlatform = async () => {
    const found = wanted ? await facts : undefined;
    const problem = found && imagePlatformProblem(plan.tool, plan.image, found, wanted!, plan.platform !== undefined);
    if (problem) throw new EngineError(problem);
  };
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
      await checkPlatform();
      const code = await runWarm(client, plan, image, io, { idleSeconds: warmIdleSeconds(settings), engine: kind });
      if (code !== undefined) return code;
    } else if (policy === 'always') await ensure();
    else if (wanted) facts = inspectImage(client, plan.image).catch(() => undefined);
    const run = (synced: typeof sync) =>
      runContainer(client, plan, io, { engine: kind, onMissingImage: ensure, onCreated: () => (containerMade = true), sync: synced, platform: plan.platform, beforeStart: checkPlatform });
    try {
      return await run(sync);
    } catch (error) {
      // Kept as an engine that sees this machine, but another one answers there now: asked
      // again, and the run synced (nothing ran: the create failed).
      if (sync || containerMade || !/bind source path does not exist/.test((error as Error).message)) throw error;
      const { forgetVisibility } = await import('../runtime/engine/visibility.js');
      forgetVisibility(client);
      const again = await workspaceSync(client, plan, io, ensure, true);
      if (!again) throw error;
      return await run(again);
    }
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
