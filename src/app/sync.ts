import { existsSync, readFileSync } from 'node:fs';
import { baseImageOverride, registryMirror } from '../platform/settings.js';
import { resolveOptions } from './resolve-options.js';
import { buildPlan, type BuildPlan } from '../core/recipes/build.js';
import { BerthError, EngineError, InputError } from '../platform/errors.js';
import { applyMirror, parseImageReference } from '../core/image-reference.js';
import { recipeDirectories } from '../core/recipes/catalog.js';
import { pullReporter } from '../ui/pull-progress.js';
import { checkLock, type LockCheck } from '../core/project/check.js';
import type { ImageFacts } from '../runtime/engine-client.js';
import { formatLock, readLock, writeLock, type Lock, type LockEntry } from '../core/project/lock.js';
import { readManifest } from '../core/project/manifest.js';
import { withProjectLock } from '../core/project/project-lock.js';
import { entryMatches, lockedReference, lockFields, projectFiles, resolvePin, type ProjectFiles, type ResolvedPin } from '../core/project/pins.js';

export interface SyncedTool {
  entry: LockEntry;
  /** locked: newly resolved; kept: berth.lock already had it (the image was made sure of by digest). */
  state: 'locked' | 'kept';
}

export interface SyncResult {
  files: ProjectFiles;
  tools: SyncedTool[];
  /** Whether berth.lock was written (false when it already said exactly this). */
  written: boolean;
  /** A malformed berth.lock that was replaced. */
  replacedBrokenLock?: string;
}

/** The digest the engine recorded for `ref`'s repository, from the image's RepoDigests. */
export function digestFor(ref: string, repoDigests: string[]): string | undefined {
  const wanted = parseImageReference(ref);
  for (const repoDigest of repoDigests) {
    try {
      const got = parseImageReference(repoDigest);
      if (got.registry === wanted.registry && got.repository === wanted.repository && got.digest) return got.digest;
    } catch {
      // not a reference we understand: not ours
    }
  }
  return undefined;
}

/** `berth sync --check`: whether berth.lock matches berth.yaml, without the engine. */
export function checkSync(cwd: string): LockCheck {
  const check = checkLock(cwd, recipeDirectories(cwd));
  if (!check) throw new InputError(`no berth.yaml in ${cwd} or above it`);
  return check;
}

/**
 * `berth sync`: for every pin, the image and the digest the registry serves for it, written to
 * berth.lock. A pin that berth.lock already has for exactly that version and image keeps its
 * digest (its image is pulled by digest if missing); `update` resolves every tag again. Each pull
 * is shown on stderr (nothing with `quiet`).
 */
export async function syncWithEngine(cwd: string, options: SyncOptions = {}): Promise<SyncResult> {
  const files = projectFiles(cwd);
  if (!files || !existsSync(files.manifestFile)) {
    throw new InputError(`no berth.yaml in ${cwd} or above it; pin a tool first with berth use TOOL[@VERSION]`);
  }
  // berth.yaml is read, and berth.lock written, holding the project's lock (see withProjectLock).
  return withProjectLock(files.root, () => syncLocked(cwd, files, options));
}

interface SyncOptions {
  update?: boolean;
  quiet?: boolean;
}

/** `berth sync` for a caller that holds the project's lock already (upgrade: berth.yaml, then berth.lock). */
export async function syncLocked(cwd: string, files: ProjectFiles, options: SyncOptions): Promise<SyncResult> {
  const manifest = readManifest(files.manifestFile);
  const dirs = recipeDirectories(cwd);
  const pins = manifest.pins.map((pin) => resolvePin(manifest, pin, dirs));
  let old: Lock | undefined;
  let replacedBrokenLock: string | undefined;
  if (existsSync(files.lockFile)) {
    try {
      old = readLock(files.lockFile);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      replacedBrokenLock = error.message;
    }
  }
  const mirror = registryMirror();
  // The engine's modules load only now (sync --check needs none of them).
  const { engineClient } = await import('../runtime/engine/client.js');
  const { ensureImage } = await import('../runtime/registry/images.js');
  const onPull = pullReporter(process.stderr, options.quiet ?? false);
  const engine = engineClient();
  const ensure: Ensure = (ref, policy) => ensureImage(engine, ref, policy, onPull);
  const base = baseImageOverride(undefined);
  // Builds get the host's CA certificates as a run's do (an npm: pin installs from the registry).
  const { hostCa } = resolveOptions({});
  const build: Build = async (pin, force) => {
    const plan = buildPlan({ ...pin.recipe, build: pin.recipe.build! }, { version: pin.version, base, hostCa });
    const { ensureBuildImage } = await import('./build.js');
    const packageSpec = pin.recipe.source === 'package' ? pin.recipe.file : undefined;
    return { plan, image: await ensureBuildImage(engine, pin.recipe.name, plan, { force, quiet: options.quiet, packageSpec }) };
  };
  const tools: SyncedTool[] = [];
  // Every tool is tried, so one run names every tool that fails; the lock is written only when
  // all succeed (a partial lock would drop the failed tools' entries).
  const failures: string[] = [];
  try {
    for (const pin of pins) {
      try {
        const kept = old?.entries.get(pin.name);
        tools.push(pin.recipe.build ? await syncBuiltTool(build, pin, kept, options.update ?? false) : await syncTool(ensure, pin, kept, mirror, options.update ?? false));
      } catch (error) {
        if (!(error instanceof BerthError)) throw error;
        failures.push(`${pin.name} ${pin.version}: ${error.message}`);
      }
    }
  } finally {
    engine.close();
  }
  if (failures.length > 0) {
    throw new EngineError(`sync: ${failures.length} of ${pins.length} tool${pins.length === 1 ? '' : 's'} failed; ${files.lockFile} is unchanged\n${failures.join('\n')}`);
  }
  let current: string | undefined;
  try {
    current = readFileSync(files.lockFile, 'utf8');
  } catch {
    current = undefined;
  }
  const entries = tools.map((t) => t.entry);
  const written = current !== formatLock(entries);
  if (written) writeLock(files.lockFile, entries);
  return { files, tools, written, replacedBrokenLock };
}

/** Makes sure `ref` is cached, pulling per `policy`. */
type Ensure = (ref: string, policy: 'missing' | 'always') => Promise<ImageFacts>;

/** Builds a pin's image (again, with `force`): the plan and the image. */
type Build = (pin: ResolvedPin, force: boolean) => Promise<{ plan: BuildPlan; image: ImageFacts }>;

/**
 * A tool whose recipe builds its image: built unless the engine has it (`update`: built again, for
 * newer packages), and locked with the built image's id and the base it was built FROM. Its
 * `image` is the tag of the recipe's own build section (not of a --base override), so that
 * `sync --check` sees a changed section on any machine.
 */
async function syncBuiltTool(build: Build, pin: ResolvedPin, kept: LockEntry | undefined, update: boolean): Promise<SyncedTool> {
  const { plan, image } = await build(pin, update);
  const entry: LockEntry = { name: pin.name, version: pin.version, image: pin.image, digest: image.id, base: plan.base, line: 0 };
  const same = kept !== undefined && kept.version === entry.version && kept.image === entry.image && kept.digest === entry.digest && kept.base === entry.base;
  return { entry, state: same ? 'kept' : 'locked' };
}

async function syncTool(ensure: Ensure, pin: ResolvedPin, kept: LockEntry | undefined, mirror: string | undefined, update: boolean): Promise<SyncedTool> {
  if (kept && !update && entryMatches(kept, pin.version, pin.image)) {
    await ensure(applyMirror(lockedReference(kept), mirror), 'missing');
    return { entry: { ...kept }, state: 'kept' };
  }
  const ref = applyMirror(pin.image, mirror);
  const { repoDigests } = await ensure(ref, 'always');
  const { image, digest: pinned } = lockFields(pin.image);
  const digest = pinned ?? digestFor(ref, repoDigests);
  if (!digest) throw new EngineError(`pulled ${ref} but the engine recorded no digest for it (RepoDigests: ${repoDigests.join(', ') || 'none'})`);
  return { entry: { name: pin.name, version: pin.version, image, digest, line: 0 }, state: 'locked' };
}
