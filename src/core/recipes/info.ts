import type { Recipe, RecipeSource } from './schema.js';
import { describeBuild } from './build.js';

/** Where the version a tool runs at came from: TOOL@VERSION, the project's pin, or the recipe's default. */
export type VersionSource = 'command line' | 'project' | 'recipe';

/** Whether the engine has the image: `cached` is null when that could not be found out. */
export interface ImageState {
  cached: boolean | null;
  /** Bytes, when cached. */
  size: number | null;
  /** Why `cached` is null. */
  reason?: string;
  /** The cached image's platform (`linux/arm64`), when it says one. */
  platform?: string;
}

/**
 * Everything `berth info` shows. The key order is part of the JSON output
 * (docs/json-output.md): build it only through recipeInfo.
 */
export interface RecipeInfo {
  name: string;
  description: string;
  homepage: string | null;
  tags: string[];
  source: RecipeSource;
  file: string;
  version: string;
  versions: string[];
  image: string;
  /** Whether berth builds the image from the recipe's build section (then `image` says from what, and `reference` is the build's tag). */
  built: boolean;
  digest: string | null;
  /** The version `reference` is for: TOOL@VERSION, else the project's pin, else the default. */
  referenceVersion: string;
  reference: string;
  /** Where referenceVersion came from. */
  referenceFrom: VersionSource;
  /** Whether reference is the digest locked in the project's berth.lock. */
  locked: boolean;
  cached: boolean | null;
  size: number | null;
  /** The platforms the recipe lists for its image; null when it lists none. */
  platforms: string[] | null;
  /** The cached image's platform; null when not cached or it says none. */
  imagePlatform: string | null;
  entrypoint: string[] | null;
  args: string[];
  script: string | null;
  network: Recipe['network'];
  env: string[];
  home: string[];
  user: Recipe['user'];
  tty: Recipe['tty'];
  warm: boolean;
  notes: string | null;
  examples: string[];
}

/** The versions a recipe knows: the default first, then its `versions:` list, without repeats. */
export function knownVersions(recipe: Recipe): string[] {
  return [...new Set([recipe.version, ...(recipe.versions ?? [])])];
}

/** What berth runs for the tool, as `berth run` resolves it (src/core/run/resolve.ts) with the mirror applied. */
export interface InfoReference {
  reference: string;
  version: string;
  from: VersionSource;
  locked: boolean;
}

export function recipeInfo(recipe: Recipe, ref: InfoReference, state: ImageState): RecipeInfo {
  return {
    name: recipe.name,
    description: recipe.description,
    homepage: recipe.homepage ?? null,
    tags: [...recipe.tags],
    source: recipe.source,
    file: recipe.file,
    version: recipe.version,
    versions: knownVersions(recipe),
    image: recipe.image ?? describeBuild(recipe.build!),
    built: recipe.build !== undefined,
    digest: recipe.digest ?? null,
    referenceVersion: ref.version,
    reference: ref.reference,
    referenceFrom: ref.from,
    locked: ref.locked,
    cached: state.cached,
    size: state.cached ? state.size : null,
    platforms: recipe.platforms ? [...recipe.platforms] : null,
    imagePlatform: (state.cached && state.platform) || null,
    entrypoint: recipe.entrypoint ? [...recipe.entrypoint] : null,
    args: [...recipe.args],
    script: recipe.script ?? null,
    network: recipe.network,
    env: [...recipe.env],
    home: [...recipe.home],
    user: recipe.user,
    tty: recipe.tty,
    warm: recipe.warm,
    notes: recipe.notes ?? null,
    examples: [...recipe.examples],
  };
}
