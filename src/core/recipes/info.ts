import type { Recipe, RecipeSource } from './schema.js';

/** Where the version a tool runs at came from: TOOL@VERSION, the project's pin, or the recipe's default. */
export type VersionSource = 'command line' | 'project' | 'recipe';

/** Whether the engine has the image: `cached` is null when that could not be found out. */
export interface ImageState {
  cached: boolean | null;
  /** Bytes, when cached. */
  size: number | null;
  /** Why `cached` is null. */
  reason?: string;
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
    image: recipe.image,
    digest: recipe.digest ?? null,
    referenceVersion: ref.version,
    reference: ref.reference,
    referenceFrom: ref.from,
    locked: ref.locked,
    cached: state.cached,
    size: state.cached ? state.size : null,
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

/** 1234567 → "1.2 MB" (decimal units, as docker prints sizes). */
export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** The human form of `berth info`. */
export function formatInfo(info: RecipeInfo, state: ImageState): string[] {
  const lines: string[] = [`${info.name} ${info.version}: ${info.description}`];
  const field = (label: string, value: string) => {
    const [first = '', ...rest] = value.split('\n');
    lines.push(`  ${label.padEnd(11)}${first}`.trimEnd());
    for (const line of rest) lines.push(`  ${' '.repeat(11)}${line}`.trimEnd());
  };
  const list = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : '(none)');
  if (info.homepage) field('homepage', info.homepage);
  field('tags', list(info.tags));
  field('source', `${info.source} (${info.file})`);
  field('image', info.image);
  // The recipe's digest pins its default version only: said so when another version runs here,
  // so it never reads as the digest of the reference below.
  const digestNote = info.digest && info.referenceVersion !== info.version ? ` (pins ${info.version}, the default; not what runs here)` : '';
  field('digest', info.digest ? `${info.digest}${digestNote}` : '(none: the tag alone pins the image)');
  const origin = [
    ...(info.referenceVersion === info.version ? [] : [`for ${info.referenceVersion}`]),
    ...(info.referenceFrom === 'project' ? ["pinned by the project's berth.yaml"] : []),
    ...(info.locked ? ['digest locked in berth.lock'] : []),
  ];
  field('reference', origin.length > 0 ? `${info.reference} (${origin.join(', ')})` : info.reference);
  field('versions', info.versions.map((v) => (v === info.version ? `${v} (default)` : v)).join(', '));
  field(
    'cached',
    state.cached === null
      ? `unknown (${state.reason ?? 'engine not reachable'})`
      : state.cached
        ? `yes, ${formatSize(state.size ?? 0)}`
        : 'no (pulled on first run)',
  );
  if (info.script !== null) field('script', info.script.replace(/\n$/, ''));
  else field('entrypoint', info.entrypoint ? info.entrypoint.join(' ') : "(the image's own)");
  if (info.args.length > 0) field('args', info.args.join(' '));
  field('network', info.network);
  field('env', list(info.env));
  if (info.home.length > 0) field('home', list(info.home));
  field('user', info.user);
  field('tty', info.tty);
  if (info.warm) field('warm', 'yes');
  if (info.notes !== null) field('notes', wrap(info.notes, 80));
  lines.push('examples:');
  for (const example of info.examples) lines.push(`  ${example}`);
  if (info.examples.length === 0) lines.push('  (none)');
  return lines;
}

function wrap(text: string, width: number): string {
  const out: string[] = [];
  for (const paragraph of text.trim().split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out.join('\n');
}
