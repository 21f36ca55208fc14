import path from 'node:path';
import { directoryEntries } from '../platform/files.js';
import { InputError } from '../platform/errors.js';
import { findRecipe, recipeDirectories } from '../core/recipes/catalog.js';
import { formatPermissions } from '../ui/permissions-view.js';
import { parseRecipeFile } from '../core/recipes/recipe-file.js';
import type { Recipe } from '../core/recipes/schema.js';
import { printable } from '../platform/terminal-text.js';
import { findProjectRoot } from '../core/workspace/root.js';
import { projectKey, projectRecipeDirectory, projectTrust, trustedProjects, trustProject, untrustProject } from '../core/workspace/trust.js';

/** `berth trust`, `berth trust --show`, `--list` and `berth untrust`: each returns the lines to print. */

function projectRoot(cwd: string, env: NodeJS.ProcessEnv): string {
  const root = findProjectRoot(cwd, env);
  if (!root) throw new InputError(`not in a project: no berth.yaml or .berth in ${cwd} or above it`);
  return root;
}

/** Every project recipe with what it lets its tool reach, against the recipe it replaces; then the trust state. */
export function showTrust(cwd: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const root = projectRoot(cwd, env);
  const dir = projectRecipeDirectory(root);
  const names = directoryEntries(dir).filter((n) => /\.ya?ml$/.test(n)).sort();
  if (names.length === 0) return [`${root} has no project recipes (${dir}): nothing to trust; its berth.yaml and berth.lock need none`];
  // The recipes each one would replace: every directory but the project's.
  const others = recipeDirectories(cwd, env).filter((d) => d.source !== 'project');
  const lines: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let recipe: Recipe;
    try {
      recipe = parseRecipeFile(file, 'project');
    } catch (error) {
      lines.push(printable(`${file}: not valid: ${(error as Error).message}`));
      continue;
    }
    let shadowed: Recipe | undefined;
    try {
      shadowed = findRecipe(recipe.name, others);
    } catch {
      // a tool of the project's own
    }
    lines.push(printable(`${recipe.name}: ${file}, ${shadowed ? `replaces the ${shadowed.source} recipe` : 'a tool of its own'}`));
    lines.push(...formatPermissions(recipe, shadowed));
  }
  const state = projectTrust(root, env);
  if (state.trusted) lines.push(`trusted since ${state.record?.trustedAt ?? '?'} (berth untrust takes it back)`);
  else if (state.record) lines.push(`not trusted: changed since trusted on ${state.record.trustedAt}: ${state.changed.join(', ')}; run berth trust to trust them as they are now`);
  else lines.push(`not trusted: run berth trust to use them`);
  return lines;
}

/** Trusts the project's recipes as they are now: the summary, then what was recorded. */
export function trustHere(cwd: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const root = projectRoot(cwd, env);
  const lines = showTrust(cwd, env).slice(0, -1);
  const record = trustProject(root, env);
  const n = Object.keys(record.recipes).length;
  lines.push(`trusted ${n} project recipe${n === 1 ? '' : 's'} of ${projectKey(root)}; a change to any of them ends the trust (berth untrust takes it back)`);
  return lines;
}

/** Forgets the trust in the project at `dir` (or around the current directory). */
export function untrustHere(cwd: string, dir: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const root = dir ? path.resolve(cwd, dir) : projectRoot(cwd, env);
  if (!untrustProject(root, env)) throw new InputError(`${projectKey(root)} is not trusted`);
  return [`${projectKey(root)}: no longer trusted; its project recipes are not used`];
}

/** Every trusted project: its path, its recipes, and whether they are still as trusted. */
export function listTrust(env: NodeJS.ProcessEnv = process.env): string[] {
  const projects = trustedProjects(env);
  if (projects.length === 0) return [];
  return projects.map(({ root, record }) => {
    const state = projectTrust(root, env);
    const status = state.trusted ? 'trusted' : `changed since trusted (${state.changed.join(', ')})`;
    return printable(`${root}  ${Object.keys(record.recipes).join(', ') || '(no recipes)'}  ${status}, ${record.trustedAt}`);
  });
}
