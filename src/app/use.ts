import path from 'node:path';
import { findRecipe, recipeDirectories } from '../core/recipes/catalog.js';
import { knownVersions } from '../core/recipes/info.js';
import { parseToolSpec } from '../core/recipes/image.js';
import { InputError } from '../platform/errors.js';
import { setPin } from '../core/project/manifest.js';
import { imageForPin, projectFiles } from '../core/project/pins.js';
import { withProjectLock } from '../core/project/project-lock.js';
import { PROJECT_FILE } from '../core/workspace/root.js';
import { isPackageSpec, parsePackageSpec, specText } from '../core/backends/spec.js';
import { hostCaEnabled } from '../platform/settings.js';
import { lookUpPackage } from './resolve-options.js';

export interface UseResult {
  file: string;
  name: string;
  version: string;
  previous?: string;
  changed: boolean;
  /** The version is not one the recipe lists. */
  warning?: string;
}

/** The tool and the version to pin for `spec`, checked: a recipe, and a version its image can express. */
function checkPin(spec: string, cwd: string): { name: string; version: string; warning?: string } {
  const { name, version: asked } = parseToolSpec(spec);
  const recipe = findRecipe(name, recipeDirectories(cwd));
  const version = asked ?? recipe.version;
  const image = imageForPin(recipe, version);
  if (image instanceof Error) throw new InputError(`${name}@${version}: ${image.message}`);
  const known = knownVersions(recipe);
  // Allowed (the image may well have it), but a typo would only show at the pull.
  const warning = known.includes(version) ? undefined : `${name} ${version} is not among the recipe's known versions (${known.join(', ')}); berth sync or the first run will find out whether the image has it`;
  return { name, version, warning };
}

/**
 * A package to pin (`npm:prettier@3.6.2`): pinned at an exact version; `npm:NAME` or a dist-tag
 * pins the exact version the registry names now. apt has no registry berth can ask: its version
 * must be given.
 */
async function checkPackagePin(text: string): Promise<{ name: string; version: string }> {
  const spec = parsePackageSpec(text);
  if (spec.backend.exact(spec.version)) return { name: specText(spec), version: spec.version! };
  const found = await lookUpPackage(spec, { refresh: true, hostCa: hostCaEnabled(undefined) });
  if (!found) throw new InputError(`${text}: give the version to pin (such as ${specText(spec, '1.2.3')}): berth cannot ask ${spec.backend.source} for it`);
  return { name: specText(spec), version: found.version };
}

function manifestFileFor(cwd: string): string {
  return projectFiles(cwd)?.manifestFile ?? path.join(cwd, PROJECT_FILE);
}

/**
 * `berth use A[@V] B[@V]...`: each tool must have a recipe and its version must be one its image
 * can express; the pins go into the nearest project's berth.yaml, or a new one in `cwd`. Every
 * spec is checked before anything is written; then the pins are
 * set under the project's lock, each on the file as it is then (parallel berths lose nothing).
 */
export async function usePins(specs: string[], cwd: string): Promise<UseResult[]> {
  const pins: Array<{ name: string; version: string; warning?: string }> = [];
  for (const spec of specs) pins.push(isPackageSpec(spec) ? await checkPackagePin(spec) : checkPin(spec, cwd));
  const twice = pins.find((p, i) => pins.findIndex((q) => q.name === p.name) !== i);
  if (twice) throw new InputError(`${twice.name} is named twice; a project pins one version of a tool`);
  const file = manifestFileFor(cwd);
  return withProjectLock(path.dirname(file), () => pins.map(({ name, version, warning }) => ({ file, name, version, warning, ...setPin(file, name, version) })));
}
