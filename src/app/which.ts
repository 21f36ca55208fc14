import { BerthError } from '../platform/errors.js';
import { effectiveSetting, readSettings, registryMirror } from '../platform/settings.js';
import { applyMirror, parseImageReference } from '../core/image-reference.js';
import { resolveTool } from '../core/run/resolve.js';
import { engineAddress } from '../runtime/http/endpoint.js';
import type { WhichAnswer } from '../ui/which-view.js';

/**
 * `berth which TOOL[@VERSION]`: resolves as `berth run` does (project pins, berth.lock, the
 * recipe directories' precedence, the mirror, the warm setting) without asking the engine, so it
 * answers offline and fast. A project recipe that is not trusted stops it as it stops a run.
 */
export async function whichTool(spec: string, cwd: string): Promise<WhichAnswer> {
  const env = process.env;
  const resolved = await resolveTool(spec, cwd);
  const settings = readSettings(env);
  const mirrored = applyMirror(resolved.image, registryMirror(env, settings));
  const digest = parseImageReference(resolved.image).digest ?? null;
  let engine: string | null = null;
  let engineProblem: string | null = null;
  try {
    engine = engineAddress(env);
  } catch (error) {
    if (!(error instanceof BerthError)) throw error;
    engineProblem = error.message;
  }
  const warmSetting = effectiveSetting('warm', env, settings);
  // The setting is stored typed (a boolean); unset, each recipe decides.
  const warmSet = warmSetting.value !== undefined;
  const warm = warmSet ? warmSetting.value === true : resolved.recipe.warm;
  const project = resolved.project;
  return {
    name: resolved.recipe.name,
    recipe: { file: resolved.recipe.file, source: resolved.recipe.source },
    version: resolved.version,
    versionFrom: resolved.versionFrom,
    pin: project?.pinLine !== undefined ? { file: project.manifestFile, line: project.pinLine } : null,
    reference: resolved.image,
    mirrored: mirrored === resolved.image ? null : mirrored,
    digest,
    digestFrom: digest === null ? null : resolved.locked ? 'lock' : 'recipe',
    lockFile: resolved.locked ? (project?.lockFile ?? null) : null,
    engine,
    engineProblem,
    warm,
    warmFrom: warmSet ? 'setting' : 'recipe',
  };
}
