import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError, NotFoundError } from '../../platform/errors.js';
import { parseImageReference, writtenReference } from '../image-reference.js';
import { findRecipe, UntrustedRecipeError, type RecipeDirectory } from '../recipes/catalog.js';
import { imageForVersion } from '../recipes/image.js';
import { isPackageSpec, packageRecipe, parsePackageSpec } from '../backends/spec.js';
import type { Recipe } from '../recipes/schema.js';
import { cachedParse } from '../../platform/parse-cache.js';
import { pinError, type Lock, type LockEntry, type Manifest, type Pin } from './model.js';
import { findProjectRoot, LOCK_FILE, PROJECT_FILE } from '../workspace/root.js';

/** Where a project's files are: the nearest directory at or above cwd with berth.yaml (or .berth). */
export interface ProjectFiles {
  root: string;
  manifestFile: string;
  lockFile: string;
}

export function projectFiles(cwd: string): ProjectFiles | undefined {
  const root = findProjectRoot(cwd);
  if (!root) return undefined;
  return { root, manifestFile: path.join(root, PROJECT_FILE), lockFile: path.join(root, LOCK_FILE) };
}

/** A pin made concrete: its recipe and the image reference its version resolves to. */
export interface ResolvedPin extends Pin {
  recipe: Recipe;
  /** imageForVersion: `{version}` substituted, with the recipe's digest for its default version. */
  image: string;
}

/**
 * The image reference for `recipe` at `version`, or an Error saying why the recipe's image cannot
 * express that version (no `{version}` in it, or a version that makes no valid tag).
 */
export function imageForPin(recipe: Recipe, version: string): string | Error {
  try {
    return imageForVersion(recipe, version);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    if (recipe.build) return new Error(`${error.message.replace(/^[^:]*: /, '')} (${recipe.file})`);
    if (!recipe.image!.includes('{version}')) return new Error(`the recipe's image ${recipe.image} has no {version}; only ${recipe.version} is available (${recipe.file})`);
    return new Error(error.message.replace(/^[^:]*: /, ''));
  }
}

/** Resolves one pin; an unknown tool or an inexpressible version is an InputError at the pin's line. */
export function resolvePin(manifest: Manifest, pin: Pin, dirs: RecipeDirectory[]): ResolvedPin {
  if (isPackageSpec(pin.name)) return resolvePackagePin(manifest, pin);
  let recipe: Recipe;
  try {
    recipe = findRecipe(pin.name, dirs);
  } catch (error) {
    if (error instanceof NotFoundError) throw pinError(manifest, pin, `no recipe for "${pin.name}" (see berth list)`);
    throw error;
  }
  const image = imageForPin(recipe, pin.version);
  if (image instanceof Error) throw pinError(manifest, pin, `${pin.version}: ${image.message}`);
  return { ...pin, recipe, image };
}

/**
 * A package's pin (`"npm:prettier": 3.6.2`): the recipe its backend makes at that version, and
 * its build's tag, as a build recipe's pin has. A version its backend cannot take is an
 * InputError at the pin's line.
 */
function resolvePackagePin(manifest: Manifest, pin: Pin): ResolvedPin {
  let spec;
  try {
    spec = parsePackageSpec(`${pin.name}@${pin.version}`);
  } catch (error) {
    throw pinError(manifest, pin, (error as Error).message.replace(/^[^:]*:[^:]*: /, ''));
  }
  // berth.lock names one release: a pin is one (a dist-tag such as latest is resolved by a run, not pinned).
  if (!spec.backend.exact(spec.version)) throw pinError(manifest, pin, `"${pin.version}" is not an exact version (such as 3.6.2): a pin names one release`);
  const recipe = packageRecipe(spec, spec.version);
  return { ...pin, recipe, image: imageForVersion(recipe, recipe.version) };
}

/** What a run inside a project needs: every pin resolved, and the lock when there is one. */
export interface ProjectPins {
  files: ProjectFiles;
  manifest: Manifest;
  pins: Map<string, ResolvedPin>;
  lock?: Lock;
}

/**
 * The pins of the project around `cwd`, checked whole: a malformed berth.yaml or berth.lock, an
 * unknown tool or an inexpressible version is an InputError (file:line). undefined outside any
 * project, or in a project with no berth.yaml: then nothing is read and nothing can fail.
 */
export async function loadProjectPins(cwd: string, dirs: RecipeDirectory[]): Promise<ProjectPins | undefined> {
  const files = projectFiles(cwd);
  if (!files || !existsSync(files.manifestFile)) return undefined;
  const manifest = await cached('berth.yaml', files.manifestFile, async () => (await import('./manifest.js')).readManifest);
  const pins = new Map<string, ResolvedPin>();
  for (const pin of manifest.pins) {
    try {
      pins.set(pin.name, resolvePin(manifest, pin, dirs));
    } catch (error) {
      // A tool whose project recipe is not trusted: its own run says so; the others still run.
      if (!(error instanceof UntrustedRecipeError)) throw error;
    }
  }
  let lock: Lock | undefined;
  if (existsSync(files.lockFile)) {
    const entries = await cached('berth.lock', files.lockFile, async () => {
      const { readLock } = await import('./lock.js');
      return (file: string) => [...readLock(file).entries.values()];
    });
    lock = { file: files.lockFile, entries: new Map(entries.map((e) => [e.name, e])) };
  }
  return { files, manifest, pins, lock };
}

const NEEDS_PARSER = Symbol('needs the parser');

/**
 * A project file through berth's parse cache: an unchanged file costs a stat and a small JSON
 * read; the YAML parser is loaded (by `loadParser`) only when the file is new or changed.
 */
async function cached<T>(kind: string, file: string, loadParser: () => Promise<(file: string) => T>): Promise<T> {
  try {
    return cachedParse<T>(kind, file, () => {
      throw NEEDS_PARSER;
    });
  } catch (error) {
    if (error !== NEEDS_PARSER) throw error;
  }
  const parse = await loadParser();
  return cachedParse<T>(kind, file, () => parse(file));
}

/**
 * A pin's image as berth.lock records it: the reference without its digest (`image:`), and the
 * digest the recipe pins, if any.
 */
export function lockFields(image: string): { image: string; digest?: string } {
  const { digest, ...rest } = parseImageReference(image);
  return { image: writtenReference(rest), digest };
}

/**
 * Whether a lock entry is for exactly this version and image: same version, same reference,
 * and, when the recipe pins a digest for it, that digest.
 */
export function entryMatches(entry: LockEntry, version: string, image: string): boolean {
  const wanted = lockFields(image);
  return entry.version === version && entry.image === wanted.image && (wanted.digest === undefined || entry.digest === wanted.digest);
}

/** What a lock entry runs: its image's name at its digest, `ghcr.io/jqlang/jq@sha256:…`. */
export function lockedReference(entry: LockEntry): string {
  return writtenReference({ name: parseImageReference(entry.image).name, digest: entry.digest });
}

/** The locked `repository@sha256:…` for `name` at `version`/`image`, when berth.lock has exactly that. */
export function lockedImage(lock: Lock | undefined, name: string, version: string, image: string): string | undefined {
  const entry = lock?.entries.get(name);
  if (!entry || !entryMatches(entry, version, image)) return undefined;
  return lockedReference(entry);
}
