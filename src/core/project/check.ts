import { existsSync } from 'node:fs';
import { InputError } from '../../platform/errors.js';
import type { RecipeDirectory } from '../recipes/catalog.js';
import { readLock } from './lock.js';
import { readManifest } from './manifest.js';
import type { Lock, Manifest } from './model.js';
import { lockFields, projectFiles, resolvePin, type ProjectFiles, type ResolvedPin } from './pins.js';

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
    const { image: reference, digest } = lockFields(pin.image);
    if (entry.version !== pin.version) problems.push({ message: `${where}.version: ${entry.version}, but ${at} pins ${pin.version}`, fix: sync });
    else if (entry.image !== reference && pin.recipe.build) {
      problems.push({ message: `${where}.image: ${entry.image} was built from another build section than ${pin.recipe.file}'s (now ${reference})`, fix: sync });
    } else if (entry.image !== reference) problems.push({ message: `${where}.image: ${entry.image}, but ${pin.name} ${pin.version} is now ${reference}`, fix: sync });
    else if (digest !== undefined && entry.digest !== digest) problems.push({ message: `${where}.digest: ${entry.digest}, but the recipe pins ${digest}`, fix: sync });
  }
  for (const entry of lock.entries.values()) {
    if (!pinned.has(entry.name)) problems.push({ message: `${lock.file}:${entry.line}: tools.${entry.name}: locked but not pinned in ${files.manifestFile}`, fix: sync });
  }
  return { files, tools: manifest.pins.length, problems };
}
