import type { ImageState, RecipeInfo } from '../core/recipes/info.js';
import type { Recipe } from '../core/recipes/schema.js';
import { formatPermissions } from './permissions-view.js';
import { formatSize } from './units.js';

/** What `berth info` shows of a tool: its info, the engine's answer on its image, and the recipe it runs with the one that recipe replaces. */
export interface InfoView {
  info: RecipeInfo;
  state: ImageState;
  recipe: Recipe;
  shadowed?: Recipe;
}

/** The human form of `berth info`: every field, then what the recipe lets its tool reach. */
export function formatInfo({ info, state, recipe, shadowed }: InfoView): string[] {
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
  field('digest', info.digest ? `${info.digest}${digestNote}` : info.built ? '(none: build.from is pinned by tag and digest)' : '(none: the tag alone pins the image)');
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
        : info.built
          ? 'no (built on first run, or with berth build)'
          : 'no (pulled on first run)',
  );
  if (info.platforms !== null || info.imagePlatform !== null) {
    const cachedAs = info.imagePlatform === null ? [] : [`the cached image is ${info.imagePlatform}`];
    field('platforms', [info.platforms === null ? '(not listed by the recipe)' : info.platforms.join(', '), ...cachedAs].join('; '));
  }
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
  lines.push('permissions:');
  lines.push(...formatPermissions(recipe, shadowed));
  return lines;
}

/** What `berth info` shows, before refusing, of a project recipe that is not trusted: what its tool would reach. */
export function formatUntrustedInfo(recipe: Recipe, shadowed?: Recipe): string[] {
  return [`${recipe.name}: not trusted project recipe ${recipe.file}; its tool would reach:`, ...formatPermissions(recipe, shadowed)];
}

/** `text` with its lines broken between words to at most `width` characters (a longer word stays whole). */
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
