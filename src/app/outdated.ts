import { existsSync } from 'node:fs';
import { EngineError } from '../platform/errors.js';
import { registryMirror, shimDirectory } from '../platform/settings.js';
import { applyMirror, parseImageReference } from '../core/image-reference.js';
import { knownVersions } from '../core/recipes/info.js';
import { newestVersion, tagTemplate } from '../core/recipes/versions.js';
import { readManifest } from '../core/project/manifest.js';
import { projectFiles, type ProjectFiles } from '../core/project/pins.js';
import { resolveTool } from '../core/run/resolve.js';
import { listShims } from '../core/shims.js';

/** One tool as `berth outdated` sees it (docs/json-output.md). */
export interface OutdatedTool {
  name: string;
  /** The version in use: the project's pin, the shim's, the command line's or the recipe's default. */
  current: string;
  /** Where `current` came from. */
  from: 'project' | 'shim' | 'command line' | 'recipe';
  /** The newest version the registry has (pre-releases only when asked); null when unknown. */
  newest: string | null;
  state: 'current' | 'outdated' | 'unknown';
  /** Why the state is unknown. */
  reason?: string;
  /** The repository whose tags were read (the mirror's, when one is set). */
  repository: string | null;
  /** Whether `newest` is among the recipe's `versions` (upgrade says so when it is not). */
  known: boolean;
}

export interface OutdatedResult {
  tools: OutdatedTool[];
  /** Where the tools were taken from when none were named. */
  scope: 'project' | 'shims' | 'named';
  project?: ProjectFiles;
  /** One line per registry that failed (unreachable, refused, hostile answer). */
  failures: string[];
}

export interface OutdatedOptions {
  prerelease?: boolean;
  /** Replaces the registry listing (tests of the use-case without a registry). */
  listTags?: (registry: string, repository: string) => Promise<string[]>;
}

/** The specs to check: the named ones, else the project's pins, else the installed shims. */
function selection(names: string[], cwd: string): { specs: Array<{ spec: string; from?: OutdatedTool['from'] }>; scope: OutdatedResult['scope']; project?: ProjectFiles } {
  const files = projectFiles(cwd);
  const project = files && existsSync(files.manifestFile) ? files : undefined;
  if (names.length > 0) return { specs: names.map((spec) => ({ spec })), scope: 'named', project };
  if (project) return { specs: readManifest(project.manifestFile).pins.map((p) => ({ spec: p.name })), scope: 'project', project };
  return { specs: listShims(shimDirectory()).map((s) => ({ spec: s.version ? `${s.name}@${s.version}` : s.name, from: s.version ? ('shim' as const) : undefined })), scope: 'shims' };
}

async function defaultListTags(registry: string, repository: string): Promise<string[]> {
  const { listTags } = await import('../runtime/registry/tags.js');
  const { registryAuth } = await import('../runtime/registry/credentials.js');
  return listTags(registry, repository, { auth: await registryAuth(registry) });
}

/**
 * `berth outdated [TOOL...]`: for each tool, the version in use against the newest version in its
 * image's repository, read from the registry's tag list (through the mirror when one is set, with
 * the credentials pulls use). Each repository is listed once. A registry that fails makes its
 * tools unknown and is named once in `failures`; the other tools are still checked.
 */
export async function findOutdated(names: string[], cwd: string, options: OutdatedOptions = {}): Promise<OutdatedResult> {
  const { specs, scope, project } = selection(names, cwd);
  const mirror = registryMirror();
  const list = options.listTags ?? defaultListTags;
  const listings = new Map<string, Promise<string[]>>();
  const failures = new Map<string, string>();
  const tools = await Promise.all(
    specs.map(async ({ spec, from }): Promise<OutdatedTool> => {
      const resolved = await resolveTool(spec, cwd);
      const base = { name: resolved.recipe.name, current: resolved.version, from: from ?? resolved.versionFrom, known: false };
      const unknown = (reason: string, repository: string | null = null): OutdatedTool => ({ ...base, newest: null, state: 'unknown', reason, repository });
      // A recipe that builds its image (build:) has no registry to ask.
      if (!resolved.recipe.image) return unknown('berth cannot look for newer versions: the recipe builds its image rather than pulling it');
      const template = tagTemplate(resolved.recipe.image);
      if ('reason' in template) return unknown(`berth cannot look for newer versions: ${template.reason}`);
      const ref = parseImageReference(applyMirror(template.repository, mirror));
      const repository = `${ref.registry}/${ref.repository}`;
      let listing = listings.get(repository);
      if (!listing) listings.set(repository, (listing = list(ref.registry, ref.repository)));
      let tags: string[];
      try {
        tags = await listing;
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        failures.set(error.message, error.message);
        return unknown(error.message, repository);
      }
      const found = newestVersion(resolved.version, tags, template, { prerelease: options.prerelease });
      if ('reason' in found) return unknown(found.reason, repository);
      return { ...base, newest: found.newest, state: found.outdated ? 'outdated' : 'current', repository, known: knownVersions(resolved.recipe).includes(found.newest) };
    }),
  );
  return { tools, scope, project, failures: [...failures.values()] };
}
