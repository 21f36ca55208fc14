import { existsSync } from 'node:fs';
import { BerthError, EngineError, UsageError } from '../platform/errors.js';
import { readSettings, registryMirror, toolPlatform } from '../platform/settings.js';
import { parseImageReference } from '../core/image-reference.js';
import { readManifest } from '../core/project/manifest.js';
import { projectFiles } from '../core/project/pins.js';
import { resolveTool, type ResolvedTool } from '../core/run/resolve.js';
import { platformFlag } from '../core/run/run-flags.js';
import { pullReporter } from '../ui/pull-progress.js';
import { resolveOptions } from './resolve-options.js';
import { ensureToolImage } from './tool-image.js';

export interface PulledTool {
  name: string;
  version: string;
  /** The reference the engine has the image under. */
  reference: string;
  /** pulled: the registry was asked (the image is in the engine now); cached: the engine had this digest already. */
  state: 'pulled' | 'cached';
}

/**
 * `berth pull [TOOL[@VERSION]...]`: brings each tool's image into the engine as `berth run` in
 * `cwd` resolves it (project pins, berth.lock's digests, the mirror), writing no shim and running
 * nothing. With no tool named, inside a project: every tool berth.yaml pins. A reference by tag is
 * asked of the registry again (as docker pull does: the tag may have moved); one by digest only
 * when the engine lacks it (a digest names one image for ever). Every tool is tried, so one run
 * names every one that fails; `done` hears each one that succeeded as it does.
 */
export async function pullTools(
  specs: string[],
  cwd: string,
  options: { quiet?: boolean; base?: string; platform?: string; done?: (tool: PulledTool) => void } = {},
): Promise<PulledTool[]> {
  const wanted = specs.length > 0 ? specs : pinnedTools(cwd);
  const settings = readSettings();
  const asked = platformFlag(options.platform, 'pull');
  // Every name resolved before the engine is asked: a typo or a broken berth.yaml pulls nothing.
  const tools: ResolvedTool[] = [];
  for (const spec of wanted) tools.push(await resolveTool(spec, cwd, undefined, resolveOptions({ base: options.base }, settings)));
  const mirror = registryMirror(process.env, settings);
  const onPull = pullReporter(process.stderr, options.quiet ?? false);
  const engine = (await import('../runtime/engine/client.js')).engineClient();
  const pulled: PulledTool[] = [];
  const failures: string[] = [];
  try {
    for (const tool of tools) {
      const policy = parseImageReference(tool.image).digest ? 'missing' : 'always';
      try {
        const platform = asked ?? toolPlatform(tool.recipe.name, settings);
        const got = await ensureToolImage(engine, tool, { policy, mirror, onPull, platform, quiet: options.quiet });
        const one: PulledTool = { name: tool.recipe.name, version: tool.version, reference: got.reference, state: got.fetched ? 'pulled' : 'cached' };
        pulled.push(one);
        options.done?.(one);
      } catch (error) {
        if (!(error instanceof BerthError)) throw error;
        failures.push(`${tool.recipe.name} ${tool.version}: ${error.message}`);
      }
    }
  } finally {
    engine.close();
  }
  if (failures.length > 0) {
    throw new EngineError(`pull: ${failures.length} of ${tools.length} tool${tools.length === 1 ? '' : 's'} failed\n${failures.join('\n')}`);
  }
  return pulled;
}

/** The tools the project around `cwd` pins, in berth.yaml's order; a usage error outside one. */
function pinnedTools(cwd: string): string[] {
  const files = projectFiles(cwd);
  if (!files || !existsSync(files.manifestFile)) {
    throw new UsageError(`name the tools to pull (berth pull TOOL[@VERSION]...), or run it in a project to pull every tool its berth.yaml pins (no berth.yaml in ${cwd} or above it)`);
  }
  const pins = readManifest(files.manifestFile).pins;
  if (pins.length === 0) throw new UsageError(`${files.manifestFile} pins no tools; name the tools to pull`);
  return pins.map((p) => p.name);
}
