import path from 'node:path';
import { findRecipe, recipeDirectories } from '../core/recipes/catalog.js';
import { knownVersions } from '../core/recipes/info.js';
import { parseToolSpec } from '../core/recipes/image.js';
import { InputError } from '../platform/errors.js';
import { setPin } from '../core/project/manifest.js';
import { imageForPin, projectFiles } from '../core/project/pins.js';
import { withProjectLock } from '../core/project/project-lock.js';
import { PROJECT_FILE } from '../core/workspace/root.js';

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
  const pins = specs.map((spec) => checkPin(spec, cwd));
  const twice = pins.find((p, i) => pins.findIndex((q) => q.name === p.name) !== i);
  if (twice) throw new InputError(`${twice.name} is named twice; a project pins one version of a tool`);
  const file = manifestFileFor(cwd);
  return withProjectLock(path.dirname(file), () => pins.map(({ name, version, warning }) => ({ file, name, version, warning, ...setPin(file, name, version) })));
}
