import { readSettings } from '../config/settings.js';
import type { RunIO } from '../engine/container-run.js';
import type { PullPolicy } from '../engine/images.js';
import { hostIdentity } from './identity.js';
import { planRun, type RunOptions, type RunPlan } from './plan.js';
import { resolveTool } from './resolve.js';
import { pullReporter } from './pull-progress.js';

export interface RunRequest extends RunOptions {
  tool: string;
  args: string[];
  pull?: PullPolicy;
  quiet?: boolean;
  warm?: boolean;
}

/** Resolves the tool and plans its container, without touching the engine. */
export async function planTool(request: RunRequest, io: RunIO): Promise<RunPlan> {
  const { isRootlessEngine } = await import('../engine/rootless.js');
  const resolved = resolveTool(request.tool, process.cwd(), request.image);
  const settings = readSettings();
  const { applyMirror } = await import('../engine/images.js');
  const mirror = process.env.BERTH_REGISTRY_MIRROR || settings.registryMirror;
  const image = request.image ? resolved.image : applyMirror(resolved.image, mirror);
  return planRun(resolved.recipe, image, request.args, { ...request, version: resolved.version }, {
    cwd: process.cwd(),
    env: process.env,
    stdinIsTTY: Boolean(io.stdin.isTTY),
    stdoutIsTTY: Boolean(io.stdout.isTTY),
    terminalSize: io.stdout.isTTY && io.stdout.rows ? [io.stdout.rows, io.stdout.columns] : undefined,
    identity: isRootlessEngine() ? undefined : hostIdentity(),
  });
}

/** `berth run`: plan, make sure the image is cached, run, and return the tool's exit code. */
export async function runTool(request: RunRequest, io: RunIO): Promise<number> {
  const plan = await planTool(request, io);
  const { engineApi } = await import('../engine/api.js');
  const { ensureImage } = await import('../engine/images.js');
  const { removeOrphans } = await import('../engine/orphans.js');
  const { runContainer } = await import('../engine/container-run.js');
  const api = engineApi();
  const policy = request.pull ?? readSettings().pullPolicy ?? 'missing';
  const sweep = removeOrphans().catch(() => []);
  try {
    await ensureImage(undefined, plan.image, policy, pullReporter(io.stderr, request.quiet ?? false));
    await sweep;
    return await runContainer(api, plan, io);
  } finally {
    api.close();
  }
}
