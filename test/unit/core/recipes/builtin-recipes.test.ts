// The built-in catalog (recipes/*.yaml): every recipe is valid, pinned, honest about its network,
// documented with examples, uses only image references evidenced in recipes/sources.md, and runs
// what its image provides there; a build recipe builds on an evidenced base, and the e2e suite
// builds it and runs each of its examples.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../../src/core/image-reference.js';
import { BUILTIN_RECIPES, readRecipe } from '../../../../src/core/recipes/catalog.js';
import { imageForVersion } from '../../../../src/core/recipes/image.js';
import { knownVersions } from '../../../../src/core/recipes/info.js';
import type { Recipe } from '../../../../src/core/recipes/schema.js';
import { isNotRun, programsRun, RECIPE_EXAMPLES, type ExamplePlan, type ExampleRun } from '../../../e2e/recipe-examples.js';
import { STANDIN_PACKAGES } from '../../../harness/standins-setup.js';
import { EVIDENCE_FILE, evidenceRows, imageLayouts, programFor, readEvidence } from '../../../support/evidence.js';

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

/** registry/repository of a recipe's image. */
function imageRepository(recipe: Recipe): string {
  const ref = refAt(recipe, recipe.version);
  return `${ref.registry}/${ref.repository}`;
}
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

  it.each(pulled.map((r) => [r.name, r] as const))('%s: each example runs end to end on a stand-in (test/e2e/recipe-examples.ts) or says why not', (_, recipe) => {
    const plans = RECIPE_EXAMPLES[recipe.name];
    expect(plans, `test/e2e/recipe-examples.ts has no entry for ${recipe.name}`).toBeDefined();
    const hasStandin = imageRepository(recipe) in STANDIN_PACKAGES;
    if (isNotRun(plans!)) {
      expect(plans.notRun.trim()).not.toBe('');
      expect(hasStandin, `${recipe.name}'s image has a stand-in: run its examples`).toBe(false);
      return;
    }
    expect(hasStandin, `${recipe.name}'s examples are planned to run, but its image has no stand-in`).toBe(true);
    const table = plans as Record<string, ExamplePlan>;
    expect(Object.keys(table).sort(), 'the examples planned are the recipe\'s examples').toEqual([...recipe.examples].sort());
    for (const [example, plan] of Object.entries(table)) {
      if (isNotRun(plan)) expect(plan.notRun.trim(), example).not.toBe('');
      else expect(typeof plan.check, example).toBe('function');
    }
  });

  it.each(built.map((r) => [r.name, r] as const))('%s: each example runs end to end on the image it builds (test/e2e/recipe-examples.ts), none excused', (_, recipe) => {
    // Its image is built from Debian's archive, which the tests reach: nothing stands in the way.
    const plans = RECIPE_EXAMPLES[recipe.name];
    expect(plans, `test/e2e/recipe-examples.ts has no entry for ${recipe.name}`).toBeDefined();
    expect(isNotRun(plans!), `${recipe.name} builds its image: run its examples`).toBe(false);
    const table = plans as Record<string, ExamplePlan>;
    expect(Object.keys(table).sort(), 'the examples planned are the recipe\'s examples').toEqual([...recipe.examples].sort());
    for (const [example, plan] of Object.entries(table)) {
      expect(isNotRun(plan), `${example}: ${isNotRun(plan) ? plan.notRun : ''}`).toBe(false);
      expect(typeof (plan as ExampleRun).check, example).toBe('function');
    }
  });

  it('have no example plans for recipes that do not exist', () => {
    expect(Object.keys(RECIPE_EXAMPLES).sort()).toEqual(recipes.map((r) => r.name).sort());
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

// --- evidence (recipes/sources.md) ----------------------------------------------------------

/** Whether `text` holds `token` on its own (not as part of a longer version or tag). */
function hasToken(text: string, token: string): boolean {
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.-])${escaped}(?![\\w-]|\\.\\w)`).test(text);
}

const evidence = readEvidence();

describe(`image references evidenced in ${path.relative(process.cwd(), EVIDENCE_FILE)}`, () => {
  const rows = evidenceRows(evidence);

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

describe('what each recipe runs is what its image provides (the Image layouts table)', () => {
  const layouts = imageLayouts(evidence);

  it('reads one layout per image', () => {
    expect(layouts.length).toBeGreaterThanOrEqual(25);
    expect(new Set(layouts.map((l) => l.image)).size).toBe(layouts.length);
  });

  it.each(pulled.map((r) => [r.name, r] as const))('%s: its entrypoint or script runs a program its image has', (_, recipe) => {
    const ref = refAt(recipe, recipe.version);
    const image = `${ref.registry}/${ref.repository}`;
    const layout = layouts.find((l) => l.image === image);
    expect(layout, `no Image layouts row for ${image}`).toBeDefined();
    if (recipe.script !== undefined) {
      // berth runs a script with /bin/sh -c; the programs it execs must be in the image.
      expect(layout!.shell, `${recipe.name} is a script but ${image} has no /bin/sh`).toBe(true);
      const execs = [...recipe.script.matchAll(/^\s*exec\s+([^\s;]+)/gm)].map((m) => m[1]!);
      expect(execs.length, 'a script recipe ends by exec-ing its tool').toBeGreaterThan(0);
      for (const program of execs) expect(programFor(layout!, program), `${recipe.name}'s script runs ${program}, which ${image} is not evidenced to have`).toBeDefined();
    } else if (recipe.entrypoint) {
      const program = recipe.entrypoint[0]!;
      expect(programFor(layout!, program), `${recipe.name} runs ${program}; ${image} is evidenced to have ${layout!.programs.join(', ')}`).toBeDefined();
    } else {
      expect(layout!.entrypoint ?? layout!.cmd, `${recipe.name} relies on the image's own command, which is not evidenced`).toBeDefined();
    }
    if (recipe.user === 'image') expect(layout!.user, `${recipe.name} runs as the image's user, which is unverified`).toBeDefined();
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

  it.each(built.map((r) => [r.name, r] as const))('%s installs Debian packages and runs a program from PATH (which package owns it: test/e2e/recipes.test.ts, in the built image)', (_, recipe) => {
    expect(recipe.build!.apt?.length, `${recipe.name}: a built-in build installs its tool with apt`).toBeGreaterThan(0);
    expect(recipe.build!.dockerfile, 'apt packages, not an inline Dockerfile').toBeUndefined();
    const runs = programsRun(recipe);
    expect(runs.length, 'an entrypoint, or a script that ends by exec-ing its tool').toBeGreaterThan(0);
    // A name, found on the PATH of the Debian base where the package puts it (not a path guessed for it).
    for (const program of runs) expect(program).toMatch(/^[a-z0-9][\w.+-]*$/);
  });
});

