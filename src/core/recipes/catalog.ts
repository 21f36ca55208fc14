import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError, NotFoundError } from '../../platform/errors.js';
import { directoryEntries } from '../../platform/files.js';
import { packageFile } from '../../platform/package-files.js';
import { recipePathDirectories, userRecipeDirectory } from '../../platform/paths.js';
import { cachedParse } from '../../platform/parse-cache.js';
import { findProjectRoot } from '../workspace/root.js';
import { projectRecipeDirectory, projectTrust } from '../workspace/trust.js';
import { byName } from '../names.js';
import { NAME_PATTERN } from '../patterns.js';
import { nearestNames } from '../nearest-names.js';
import { describeChanges } from './permissions.js';
import { parseRecipeFile } from './recipe-file.js';
import type { Recipe, RecipeSource } from './schema.js';

/** A project recipe that the user has not trusted (or that changed since): nothing was started. */
export class UntrustedRecipeError extends InputError {
  constructor(
    message: string,
    /** The untrusted recipe and the one it would replace, when it parses: for `berth info`'s summary. */
    readonly recipe?: Recipe,
    readonly shadowed?: Recipe,
  ) {
    super(message);
  }
}

/** A directory searched for recipes, with what kind of place it is. */
export interface RecipeDirectory {
  dir: string;
  source: RecipeSource;
  /** A project's recipes, not (or no longer) trusted: never used; a run of a tool they define stops (see core/workspace/trust.ts). */
  untrusted?: { root: string; changed: string[] };
}

export const BUILTIN_RECIPES = packageFile('recipes/');

/** The directories searched, highest precedence first. */
export function recipeDirectories(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): RecipeDirectory[] {
  const dirs: RecipeDirectory[] = [];
  const project = findProjectRoot(cwd, env);
  if (project) {
    const trust = projectTrust(project, env);
    dirs.push({ dir: projectRecipeDirectory(project), source: 'project', untrusted: trust.trusted ? undefined : { root: project, changed: trust.changed } });
  }
  for (const dir of recipePathDirectories(env)) dirs.push({ dir, source: 'path' });
  dirs.push({ dir: userRecipeDirectory(env), source: 'user' });
  dirs.push({ dir: BUILTIN_RECIPES, source: 'builtin' });
  return dirs;
}

/**
 * Reads and checks one recipe file. Throws InputError naming the file, field and line. A file
 * read before and unchanged since comes from berth's cache: the YAML parser and the schema are
 * loaded only when a file is new or changed, which keeps them off the start-up of a run.
 */
export function readRecipe(file: string, source: RecipeSource): Recipe {
  return cachedParse(`recipe:${source}`, file, () => parseRecipeFile(file, source));
}

export interface RecipeProblem {
  file: string;
  message: string;
  /** A project's recipes not used because they are not trusted (not a broken file). */
  untrusted?: boolean;
}

export interface Catalog {
  /** One recipe per name: the one with the highest precedence. */
  recipes: Recipe[];
  problems: RecipeProblem[];
  /** How many files were read, shadowed ones included. */
  files: number;
}

function recipeFiles(dir: string): string[] {
  return directoryEntries(dir).filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => path.join(dir, n));
}

/** Every recipe in every directory; a broken file is a problem in the list, never a crash. */
export function loadCatalog(dirs: RecipeDirectory[] = recipeDirectories()): Catalog {
  const chosen = new Map<string, Recipe>();
  const problems: RecipeProblem[] = [];
  let files = 0;
  for (const { dir, source, untrusted } of dirs) {
    if (untrusted) {
      problems.push({ file: dir, message: untrustedNote(untrusted.root, untrusted.changed), untrusted: true });
      continue;
    }
    for (const file of recipeFiles(dir)) {
      files++;
      try {
        const recipe = readRecipe(file, source);
        if (!chosen.has(recipe.name)) chosen.set(recipe.name, recipe);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        problems.push({ file, message: error.message });
      }
    }
  }
  const recipes = [...chosen.values()].sort((a, b) => byName(a.name, b.name));
  return { recipes, problems, files };
}

/** Whether a recipe file of that name exists in any directory (not whether it is valid or trusted). */
export function recipeExists(name: string, dirs: RecipeDirectory[] = recipeDirectories()): boolean {
  return NAME_PATTERN.test(name) && dirs.some(({ dir }) => ['.yaml', '.yml'].some((ext) => existsSync(path.join(dir, name + ext))));
}

/**
 * Finds one recipe by name, reading only the files named after it (the fast path of a run).
 * A broken file for that name is an error; recipes of other names are never read.
 */
export function findRecipe(name: string, dirs: RecipeDirectory[] = recipeDirectories()): Recipe {
  // Only a valid name is looked up: "../x" must not read a file outside the recipe directories.
  if (!NAME_PATTERN.test(name)) throw new NotFoundError(`"${name}" is not a recipe name (see berth list)`);
  for (const [i, { dir, source, untrusted }] of dirs.entries()) {
    for (const ext of ['.yaml', '.yml']) {
      const file = path.join(dir, name + ext);
      if (!existsSync(file)) continue;
      if (untrusted) throw untrustedRecipeError(name, file, untrusted.root, dirs.slice(i + 1));
      return readRecipe(file, source);
    }
  }
  const known = loadCatalog(dirs).recipes.map((r) => r.name);
  const near = nearestNames(name, known);
  throw new NotFoundError(`no recipe for "${name}"${near.length ? `; did you mean ${near.join(', ')}?` : ''} (see berth list)`);
}

/** The recipe `recipe` takes precedence over (same name, in a later directory), if any. */
export function shadowedRecipe(recipe: Recipe, dirs: RecipeDirectory[] = recipeDirectories()): Recipe | undefined {
  const own = dirs.findIndex((d) => d.source === recipe.source && path.dirname(recipe.file) === path.resolve(d.dir));
  try {
    return own === -1 ? undefined : findRecipe(recipe.name, dirs.slice(own + 1));
  } catch {
    return undefined;
  }
}

/** The one line `berth list` and `doctor` give for a project whose recipes are not trusted. */
function untrustedNote(root: string, changed: string[]): string {
  return `${root}: the project's recipes (${changed.join(', ')}) are not trusted, so not used; review them with berth trust --show, then run berth trust there`;
}

/**
 * Why a run of `name` stops in a project whose recipe for it is not trusted: what that recipe
 * would change against the one it shadows (or that it adds a tool), and how to trust it.
 */
function untrustedRecipeError(name: string, file: string, root: string, rest: RecipeDirectory[]): UntrustedRecipeError {
  let recipe: Recipe;
  try {
    recipe = parseRecipeFile(file, 'project');
  } catch (error) {
    return new UntrustedRecipeError(`${name}: the project recipe ${file} is not trusted (and is not valid: ${(error as Error).message})`);
  }
  let shadowed: Recipe | undefined;
  try {
    shadowed = findRecipe(name, rest);
  } catch {
    // it adds a tool of its own
  }
  const what = describeChanges(recipe, shadowed);
  return new UntrustedRecipeError(`${name}: the project recipe ${file} is not trusted; ${what}; review it (berth trust --show), then run berth trust in ${root}`, recipe, shadowed);
}
