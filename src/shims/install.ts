import { readSettings, shimDirectory } from '../config/settings.js';
import { NAME_PATTERN } from '../recipes/schema.js';
import { findRecipe, recipeDirectories } from '../recipes/catalog.js';
import { imageForVersion, parseToolSpec } from '../recipes/image.js';
import { resolveTool } from '../run/resolve.js';
import { pullReporter } from '../run/pull-progress.js';
import { InputError, NotFoundError } from '../errors.js';
import { assertInstallable, installShim, isOnPath, pathExportLine } from './shims.js';

/**
 * `berth install`: every tool is checked first (a recipe, a version its image can express, no
 * foreign file in the way), then the shims are written, then the images pulled as a run in `cwd`
 * would resolve them (project pins and berth.lock included).
 */
export async function installTools(
  specs: string[],
  cwd: string,
  options: { pull?: boolean; quiet?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<{ dir: string; lines: string[] }> {
  const env = options.env ?? process.env;
  const dir = shimDirectory(env);
  const dirs = recipeDirectories(cwd, env);
  const tools = specs.map((spec) => {
    const { name, version } = parseToolSpec(spec);
    if (!NAME_PATTERN.test(name)) throw new NotFoundError(`berth: "${name}" is not a recipe name (see berth list)`);
    const recipe = findRecipe(name, dirs);
    if (version !== undefined) imageForVersion(recipe, version);
    assertInstallable(dir, name);
    return { spec, name, version };
  });
  const seen = new Set<string>();
  for (const t of tools) {
    if (seen.has(t.name)) throw new InputError(`berth: ${t.name} is named twice; a shim runs one version`);
    seen.add(t.name);
  }
  const lines: string[] = [];
  for (const t of tools) {
    const { path, replaced } = installShim(dir, t.name, t.version);
    lines.push(`${replaced ? 'updated' : 'installed'} ${t.spec} -> ${path}`);
  }
  const policy = readSettings(env).pullPolicy ?? 'missing';
  if (options.pull !== false && policy !== 'never') {
    const { engine } = await import('../engine/connection.js');
    const { applyMirror, ensureImage } = await import('../engine/images.js');
    const docker = await engine();
    const mirror = env.BERTH_REGISTRY_MIRROR || readSettings(env).registryMirror;
    const report = pullReporter(process.stderr, options.quiet ?? false);
    for (const t of tools) {
      const resolved = resolveTool(t.spec, cwd);
      await ensureImage(docker, applyMirror(resolved.image, mirror), policy, report);
    }
  }
  if (!isOnPath(dir, env.PATH)) {
    lines.push(`${dir} is not on your PATH; add this line to your shell profile (~/.profile, ~/.bashrc or ~/.zshrc):`);
    lines.push(pathExportLine(dir));
  }
  return { dir, lines };
}
