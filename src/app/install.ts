import { dirname } from 'node:path';
import { effectiveSetting, hostCaEnabled, registryMirror, shimDirectory } from '../platform/settings.js';
import { applyMirror } from '../core/image-reference.js';
import { findRecipe, recipeDirectories } from '../core/recipes/catalog.js';
import { imageForVersion, parseToolSpec } from '../core/recipes/image.js';
import { resolveTool, type ResolvedTool } from '../core/run/resolve.js';
import { defaultCommand, isPackageSpec, packageRecipe, parsePackageSpec } from '../core/backends/spec.js';
import { NAME_PATTERN, NAME_RULE } from '../core/patterns.js';
import type { Recipe } from '../core/recipes/schema.js';
import type { ShimPackage } from '../core/shims.js';
import { lookUpPackage, resolveOptions } from './resolve-options.js';
import { pullReporter } from '../ui/pull-progress.js';
import { BerthError, EngineError, InputError } from '../platform/errors.js';
import { formatPermissions } from '../ui/permissions-view.js';
import { printable } from '../platform/terminal-text.js';
import { assertInstallable, installShim, isOnPath, pathExportLine, shadowingCommand } from '../core/shims.js';

/**
 * `berth install`: every tool is checked first (a recipe, a version its image can express, no
 * foreign file in the way), then the shims are written, then the images pulled as a run in `cwd`
 * would resolve them (project pins and berth.lock included). Each written shim is reported through
 * `out` as it is written, so a failed pull does not hide what was installed.
 */
export async function installTools(
  specs: string[],
  cwd: string,
  out: (line: string) => void,
  options: { pull?: boolean; quiet?: boolean; env?: NodeJS.ProcessEnv; bin?: string; hostCa?: boolean } = {},
): Promise<{ dir: string }> {
  const env = options.env ?? process.env;
  const dir = shimDirectory(env);
  const dirs = recipeDirectories(cwd, env);
  const tools: Array<{ spec: string; name: string; version?: string; recipe: Recipe; pkg?: ShimPackage }> = [];
  for (const spec of specs) {
    if (isPackageSpec(spec)) {
      tools.push(await packageTool(spec, options.bin, hostCaEnabled(options.hostCa, env), dir));
      continue;
    }
    const { name, version } = parseToolSpec(spec);
    const recipe = findRecipe(name, dirs);
    if (version !== undefined) imageForVersion(recipe, version);
    assertInstallable(dir, name);
    // A recipe's directory goes into the shim's text: a line break there would be shell code.
    if (/[\n\r]/.test(recipe.file)) throw new InputError(`${JSON.stringify(recipe.file)}: a recipe whose path has a line break cannot go into a shim; move it`);
    tools.push({ spec, name, version, recipe });
  }
  const seen = new Set<string>();
  for (const t of tools) {
    if (seen.has(t.name)) throw new InputError(`${t.name} is named twice; a shim runs one version`);
    seen.add(t.name);
  }
  // Resolved before anything is written: a broken project file stops the install, not half of it.
  const policy = effectiveSetting('pullPolicy', env).value as 'missing' | 'always' | 'never';
  const pull = options.pull !== false && policy !== 'never';
  const images: ResolvedTool[] = [];
  if (pull) for (const t of tools) images.push(await resolveTool(t.spec, cwd, undefined, resolveOptions({ bin: t.pkg?.bin, hostCa: options.hostCa })));
  // What a recipe berth does not ship lets its tool reach, said before it goes on PATH.
  for (const t of tools.filter((t) => t.recipe.source !== 'builtin')) {
    out(printable(`${t.name}: a ${t.recipe.source} recipe (${t.recipe.file}); its tool can reach:`));
    for (const line of formatPermissions(t.recipe)) out(line);
  }
  for (const t of tools) {
    // A user's or BERTH_RECIPES_PATH recipe: the shim carries its directory (see shimScript).
    const recipes = t.recipe.source === 'path' || t.recipe.source === 'user' ? dirname(t.recipe.file) : undefined;
    const { path, replaced } = installShim(dir, t.name, t.version, recipes, t.pkg);
    out(`${replaced ? 'updated' : 'installed'} ${t.spec} -> ${path}`);
  }
  if (pull) {
    const { ensureImage } = await import('../runtime/registry/images.js');
    const engine = (await import('../runtime/engine/client.js')).engineClient();
    const mirror = registryMirror(env);
    const report = pullReporter(process.stderr, options.quiet ?? false);
    try {
      for (const resolved of images) {
        // A recipe that builds its image (a package's included) is built now; others are pulled.
        if (resolved.build) {
          const packageSpec = resolved.recipe.source === 'package' ? resolved.recipe.file : undefined;
          await (await import('./build.js')).ensureBuildImage(engine, resolved.recipe.name, resolved.build, { quiet: options.quiet, packageSpec });
        } else await ensureImage(engine, applyMirror(resolved.image, mirror), policy, report);
      }
    } catch (error) {
      // The shims are written: the user must not think the install failed as a whole.
      if (error instanceof InputError) throw error;
      if (error instanceof BerthError) throw new EngineError(`${error.message} (the shim${tools.length === 1 ? ' is' : 's are'} installed; the image is pulled again at the first run)`);
      throw error;
    } finally {
      engine.close();
    }
  }
  if (!isOnPath(dir, env.PATH)) {
    out(`${dir} is not on your PATH; add this line to your shell profile (~/.profile, ~/.bashrc or ~/.zshrc):`);
    out(pathExportLine(dir));
  } else {
    const shadowed = tools.flatMap((t) => {
      const other = shadowingCommand(dir, t.name, env.PATH);
      return other ? [`${t.name} (${other})`] : [];
    });
    if (shadowed.length > 0) {
      out(`earlier on your PATH than ${dir}, and run instead of berth: ${shadowed.join(', ')}; to put berth's first, add this line to the end of your shell profile:`);
      out(pathExportLine(dir));
    }
  }
  return { dir };
}

/**
 * A package spec to install: its shim is named after the command it runs (--bin, else the one
 * its registry names for it, else, where berth cannot ask before the build (apt), the package's
 * name), and runs the spec as given (a spec without a version follows the project's pin, else
 * berth's remembered resolution).
 */
async function packageTool(spec: string, bin: string | undefined, hostCa: boolean, dir: string) {
  const pkg = parsePackageSpec(spec, bin);
  const found = bin === undefined ? await lookUpPackage(pkg, { hostCa }) : undefined;
  const command = defaultCommand(pkg, found?.commands);
  if (!NAME_PATTERN.test(command)) throw new InputError(`${spec}: its command ${JSON.stringify(command)} cannot name a shim (${NAME_RULE})`);
  assertInstallable(dir, command);
  // The shim runs what `berth run [--bin NAME] SPEC` would.
  return { spec, name: command, recipe: packageRecipe(pkg, pkg.version), pkg: { spec, bin } };
}
