// The built-in catalog (recipes/*.yaml): every recipe is valid, pinned, honest about its network,
// documented with examples, and uses only image references evidenced in ../shared/catalog-sources.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../../src/core/image-reference.js';
import { BUILTIN_RECIPES, readRecipe } from '../../../../src/core/recipes/catalog.js';
import { imageForVersion } from '../../../../src/core/recipes/image.js';
import { knownVersions } from '../../../../src/core/recipes/info.js';
import type { Recipe } from '../../../../src/core/recipes/schema.js';

const REPO = fileURLToPath(new URL('../../../..', import.meta.url));
const EVIDENCE_FILE = path.resolve(REPO, '../shared/catalog-sources.md');
const files = readdirSync(BUILTIN_RECIPES)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

/** Every recipe that reads; the validation test below reports the ones that do not. */
const recipes: Recipe[] = files.flatMap((f) => {
  try {
    return [readRecipe(path.join(BUILTIN_RECIPES, f), 'builtin')];
  } catch {
    return [];
  }
});

/** The recipes that name an image to pull; the others build theirs (see the build base checks below). */
const pulled = recipes.filter((r) => r.image !== undefined);
const built = recipes.filter((r) => r.build !== undefined);

/** The image reference of a recipe at a version, without its digest, taken apart. */
function refAt(recipe: Recipe, version: string) {
  return parseImageReference(imageForVersion({ ...recipe, digest: undefined }, version));
}

describe('built-in recipes', () => {
  it('are at least 30, one file per command', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(files.every((f) => f.endsWith('.yaml'))).toBe(true);
  });

  it.each(files)('%s validates as a built-in recipe', (file) => {
    const recipe = readRecipe(path.join(BUILTIN_RECIPES, file), 'builtin');
    expect(recipe.name).toBe(file.replace(/\.yaml$/, ''));
    expect(recipe.source).toBe('builtin');
  });

  it('have unique names', () => {
    const names = recipes.map((r) => r.name);
    expect(recipes).toHaveLength(files.length);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(pulled.map((r) => [r.name, r] as const))('%s pins an exact tag for every version it knows, never latest', (_, recipe) => {
    expect(recipe.image, 'a digest belongs in the digest field').not.toContain('@');
    const versions = knownVersions(recipe);
    expect(new Set(recipe.versions ?? []).size).toBe((recipe.versions ?? []).length);
    if (recipe.versions) expect(recipe.versions).toContain(recipe.version);
    for (const version of versions) {
      const ref = refAt(recipe, version);
      expect(ref.tag, `${recipe.name}@${version} has no tag`).toBeDefined();
      expect(ref.tag).not.toBe('latest');
      expect(ref.tag).toMatch(/\d/);
      expect(ref.digest).toBeUndefined();
    }
    if (versions.length > 1) expect(recipe.image, 'several versions need {version} in image').toContain('{version}');
  });

  it.each(recipes.map((r) => [r.name, r] as const))('%s has a description, homepage, tags and examples that run it', (_, recipe) => {
    expect(recipe.description).not.toContain('\n');
    expect(recipe.homepage).toMatch(/^https:\/\//);
    expect(recipe.tags.length).toBeGreaterThan(0);
    expect(recipe.examples.length).toBeGreaterThan(0);
    const name = recipe.name.replace(/[.]/g, '\\.');
    for (const example of recipe.examples) {
      expect(example).toMatch(new RegExp(`\\bberth run (?:\\S+ )*?${name}(?:@\\S+)?(?: |$)`));
    }
  });

  it.each(recipes.map((r) => [r.name, r] as const))('%s explains in notes why it needs the network or the image user', (_, recipe) => {
    if (recipe.network !== 'none') expect(recipe.notes?.trim(), `${recipe.name} has network ${recipe.network}`).toBeTruthy();
    if (recipe.user === 'image') expect(recipe.notes?.trim(), `${recipe.name} has user: image`).toBeTruthy();
  });

  it('keep the network off for linters and formatters', () => {
    const quiet = recipes.filter((r) => r.tags.some((t) => ['lint', 'linter', 'format', 'formatter'].includes(t)));
    expect(quiet.length).toBeGreaterThan(5);
    for (const r of quiet) expect([r.name, r.network]).toEqual([r.name, 'none']);
  });

  it('cover the tools the catalog promises', () => {
    const names = new Set(recipes.map((r) => r.name));
    for (const name of [
      'ffmpeg', 'ffprobe', 'gif', 'magick', 'pandoc', 'jq', 'yq', 'shellcheck', 'shfmt', 'hadolint', 'yamllint',
      'markdownlint-cli2', 'actionlint', 'ruff', 'black', 'prettier', 'terraform', 'tflint', 'kubectl', 'helm',
      'trivy', 'gitleaks', 'curl', 'aws',
    ]) {
      expect(names.has(name), name).toBe(true);
    }
  });

  it('never offer the compromised trivy releases 0.69.4 to 0.69.6', () => {
    const trivy = recipes.find((r) => r.name === 'trivy')!;
    for (const bad of ['0.69.4', '0.69.5', '0.69.6']) expect(knownVersions(trivy)).not.toContain(bad);
  });
});

// --- evidence --------------------------------------------------------------------------------

interface EvidenceRow {
  /** The image repository cell ("same" resolved to the row above). */
  repo: string;
  tag: string;
  digest: string;
  conf: string;
  /** The whole row. */
  text: string;
}

/** The rows of the Markdown tables in the evidence file that name an image. */
function evidenceRows(markdown: string): EvidenceRow[] {
  const rows: EvidenceRow[] = [];
  let columns: { repo: number; tag: number; digest: number; conf: number } | undefined;
  let previousRepo = '';
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      columns = undefined;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.every((c) => /^-+$/.test(c))) continue;
    const headers = cells.map((c) => c.toLowerCase());
    if (headers.includes('tag') && headers.includes('digest')) {
      const repo = headers.findIndex((h) => h === 'image repo' || h === 'image');
      columns = { repo, tag: headers.indexOf('tag'), digest: headers.indexOf('digest'), conf: headers.indexOf('conf.') };
      previousRepo = '';
      continue;
    }
    if (!columns || columns.repo === -1) continue;
    let repo = (cells[columns.repo] ?? '').replace(/`/g, '');
    if (/^same\b/.test(repo)) repo = previousRepo;
    else previousRepo = repo;
    rows.push({ repo, tag: cells[columns.tag] ?? '', digest: cells[columns.digest] ?? '', conf: cells[columns.conf] ?? '', text: line });
  }
  return rows;
}

/** Whether `text` holds `token` on its own (not as part of a longer version or tag). */
function hasToken(text: string, token: string): boolean {
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.-])${escaped}(?![\\w-]|\\.\\w)`).test(text);
}

const haveEvidence = existsSync(EVIDENCE_FILE);
if (!haveEvidence) {
  process.stderr.write(`\n[catalog.test] SKIPPING the evidence checks: ${EVIDENCE_FILE} does not exist\n\n`);
}

describe.skipIf(!haveEvidence)(`image references evidenced in ../shared/catalog-sources.md${haveEvidence ? '' : ' (SKIPPED: file not found)'}`, () => {
  const rows = haveEvidence ? evidenceRows(readFileSync(EVIDENCE_FILE, 'utf8')) : [];

  it('finds the evidence tables', () => {
    expect(rows.length).toBeGreaterThan(30);
  });

  it.each(pulled.map((r) => [r.name, r] as const))('%s: repository, every tag and the digest are evidenced', (_, recipe) => {
    const ref = refAt(recipe, recipe.version);
    const repository = `${ref.registry}/${ref.repository}`;
    const mine = rows.filter((row) => hasToken(row.repo, repository));
    expect(mine.length, `no evidence row names ${repository}`).toBeGreaterThan(0);
    for (const version of knownVersions(recipe)) {
      const tag = refAt(recipe, version).tag!;
      expect(
        mine.some((row) => hasToken(row.text, tag)),
        `${repository}:${tag} (${recipe.name}@${version}) is not in the evidence rows of ${repository}`,
      ).toBe(true);
    }
    if (recipe.digest) {
      const tag = ref.tag!;
      const row = mine.find((r) => hasToken(r.tag, tag) && r.digest.includes(recipe.digest!));
      expect(row, `${repository}:${tag}@${recipe.digest} is not an evidenced tag@digest pair`).toBeDefined();
      expect(row!.conf, `the digest of ${repository}:${tag} must have confidence A or B`).toMatch(/^\(?[AB]\b/);
    }
  });
});

// --- build bases ---------------------------------------------------------------------------------

describe('built-in build recipes', () => {
  const sources = readFileSync(path.join(BUILTIN_RECIPES, 'sources.md'), 'utf8');
  const section = sources.slice(sources.indexOf('## Build bases'));

  it('are the tools with no trustworthy public image', () => {
    expect(built.map((r) => r.name).sort()).toEqual(expect.arrayContaining(['exiftool', 'gif', 'gifsicle', 'optipng', 'pngquant']));
  });

  it.each(built.map((r) => [r.name, r] as const))('%s builds on a base whose dated tag and digest recipes/sources.md evidences (confidence A or B)', (_, recipe) => {
    const { from } = recipe.build!;
    const [name, digest] = from.split('@') as [string, string];
    const row = section.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${name}\``) && line.includes(digest));
    expect(row, `${from} is not an evidenced base in recipes/sources.md`).toBeDefined();
    expect(row!.split('|')[3]!.trim()).toMatch(/^[AB]$/);
    expect(name).toMatch(/:bookworm-\d{8}-slim$/);
  });
});

