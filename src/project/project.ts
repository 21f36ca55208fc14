import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError, NotFoundError } from '../errors.js';
import { parseImageReference } from '../image-reference.js';
import { findRecipe, type RecipeDirectory } from '../recipes/catalog.js';
import { imageForVersion } from '../recipes/image.js';
import type { Recipe } from '../recipes/schema.js';
import { readLock, type Lock, type LockEntry } from './lock.js';
import { pinError, readManifest, type Manifest, type Pin } from './manifest.js';
import { findProjectRoot, LOCK_FILE, PROJECT_FILE } from './root.js';

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
  let image: string;
  try {
    image = imageForVersion(recipe, version);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return new Error(`the recipe's image ${recipe.image} has no {version}; only ${recipe.version} is available (${recipe.file})`);
  }
  try {
    parseImageReference(image);
  } catch (error) {
    return new Error(`does not fit the recipe's image ${recipe.image}: ${(error as Error).message}`);
  }
  return image;
}

/** Resolves one pin; an unknown tool or an inexpressible version is an InputError at the pin's line. */
export function resolvePin(manifest: Manifest, pin: Pin, dirs: RecipeDirectory[]): ResolvedPin {
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
export function loadProjectPins(cwd: string, dirs: RecipeDirectory[]): ProjectPins | undefined {
  const files = projectFiles(cwd);
  if (!files || !existsSync(files.manifestFile)) return undefined;
  const manifest = readManifest(files.manifestFile);
  const pins = new Map<string, ResolvedPin>();
  for (const pin of manifest.pins) pins.set(pin.name, resolvePin(manifest, pin, dirs));
  const lock = existsSync(files.lockFile) ? readLock(files.lockFile) : undefined;
  return { files, manifest, pins, lock };
}

/** `image` split into the reference without its digest and the digest (the recipe's), if any. */
export function splitDigest(image: string): { reference: string; digest?: string } {
  const at = image.indexOf('@');
  return at === -1 ? { reference: image } : { reference: image.slice(0, at), digest: image.slice(at + 1) };
}

/** The repository part of a reference as written: `ghcr.io/jqlang/jq:1.7.1` → `ghcr.io/jqlang/jq`. */
export function withoutTag(reference: string): string {
  const colon = reference.lastIndexOf(':');
  return colon > reference.lastIndexOf('/') ? reference.slice(0, colon) : reference;
}

/**
 * Whether a lock entry is for exactly this version and image: same version, same reference,
 * and, when the recipe pins a digest for it, that digest.
 */
export function entryMatches(entry: LockEntry, version: string, image: string): boolean {
  const { reference, digest } = splitDigest(image);
  return entry.version === version && entry.image === reference && (digest === undefined || entry.digest === digest);
}

/** The locked `repository@sha256:…` for `name` at `version`/`image`, when berth.lock has exactly that. */
export function lockedImage(lock: Lock | undefined, name: string, version: string, image: string): string | undefined {
  const entry = lock?.entries.get(name);
  if (!entry || !entryMatches(entry, version, image)) return undefined;
  return `${withoutTag(entry.image)}@${entry.digest}`;
}

/** One thing wrong with the project's files: a line naming the file (and line), and its fix. */
export interface LockProblem {
  message: string;
  fix: string;
}

export interface LockCheck {
  files: ProjectFiles;
  /** How many tools berth.yaml pins (0 when it could not be read). */
  tools: number;
  problems: LockProblem[];
}

/**
 * Whether berth.lock matches berth.yaml, without the engine: missing, malformed, or stale (a pin
 * added, changed or removed, or a recipe whose image changed). undefined outside a project with a
 * berth.yaml.
 */
export function checkLock(cwd: string, dirs: RecipeDirectory[]): LockCheck | undefined {
  const files = projectFiles(cwd);
  if (!files || !existsSync(files.manifestFile)) return undefined;
  const problems: LockProblem[] = [];
  const sync = 'run berth sync';
  const edit = `correct ${files.manifestFile}`;
  let manifest: Manifest;
  try {
    manifest = readManifest(files.manifestFile);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { files, tools: 0, problems: [{ message: error.message, fix: edit }] };
  }
  const pins: ResolvedPin[] = [];
  for (const pin of manifest.pins) {
    try {
      pins.push(resolvePin(manifest, pin, dirs));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push({ message: error.message, fix: edit });
    }
  }
  if (!existsSync(files.lockFile)) {
    problems.push({ message: `${files.lockFile}: missing`, fix: `${sync} to write it` });
    return { files, tools: manifest.pins.length, problems };
  }
  let lock: Lock;
  try {
    lock = readLock(files.lockFile);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    problems.push({ message: error.message, fix: `${sync} to rewrite it` });
    return { files, tools: manifest.pins.length, problems };
  }
  const pinned = new Set(manifest.pins.map((p) => p.name));
  for (const pin of pins) {
    const entry = lock.entries.get(pin.name);
    const at = `${files.manifestFile}:${pin.line}`;
    if (!entry) {
      problems.push({ message: `${lock.file}: tools.${pin.name}: not locked (${at} pins ${pin.name} ${pin.version})`, fix: sync });
      continue;
    }
    const where = `${lock.file}:${entry.line}: tools.${pin.name}`;
    const { reference, digest } = splitDigest(pin.image);
    if (entry.version !== pin.version) problems.push({ message: `${where}.version: ${entry.version}, but ${at} pins ${pin.version}`, fix: sync });
    else if (entry.image !== reference) problems.push({ message: `${where}.image: ${entry.image}, but ${pin.name} ${pin.version} is now ${reference}`, fix: sync });
    else if (digest !== undefined && entry.digest !== digest) problems.push({ message: `${where}.digest: ${entry.digest}, but the recipe pins ${digest}`, fix: sync });
  }
  for (const entry of lock.entries.values()) {
    if (!pinned.has(entry.name)) problems.push({ message: `${lock.file}:${entry.line}: tools.${entry.name}: locked but not pinned in ${files.manifestFile}`, fix: sync });
  }
  return { files, tools: manifest.pins.length, problems };
}
