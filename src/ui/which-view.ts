import type { VersionSource } from '../core/recipes/info.js';
import type { RecipeSource } from '../core/recipes/schema.js';

/**
 * What `berth run TOOL` would run in `cwd`, and why. The key order is part of the JSON output
 * (docs/json-output.md): build it only through whichTool (app/which.ts).
 */
export interface WhichAnswer {
  name: string;
  recipe: { file: string; source: RecipeSource };
  version: string;
  /** Where the version came from; `pin` says where in berth.yaml when from the project. */
  versionFrom: VersionSource;
  pin: { file: string; line: number } | null;
  /** The image reference the run names (the lock's digest when locked). */
  reference: string;
  /** What a pull fetches: `reference` through the registry mirror; null when no mirror applies. */
  mirrored: string | null;
  digest: string | null;
  /** Where the digest came from: berth.lock (`lockFile`), the recipe, or null when the tag alone names the image. */
  digestFrom: 'lock' | 'recipe' | null;
  lockFile: string | null;
  /** The engine's address as berth would reach it; null (with `engineProblem`) when it cannot be told. */
  engine: string | null;
  engineProblem: string | null;
  warm: boolean;
  /** `setting`: the warm setting decides (berth config set warm); `recipe`: the recipe's `warm:`. */
  warmFrom: 'setting' | 'recipe';
}

const SOURCES: Record<WhichAnswer['recipe']['source'], string> = {
  project: "the project's recipes",
  path: 'BERTH_RECIPES_PATH',
  user: 'your recipes',
  builtin: "berth's built-in catalog",
};

/** The human form of `berth which`: one line per fact, each with where it came from. */
export function formatWhich(w: WhichAnswer): string[] {
  const field = (label: string, value: string) => `  ${label.padEnd(10)}${value}`;
  const version =
    w.versionFrom === 'command line'
      ? 'from the command line'
      : w.pin
        ? `pinned at ${w.pin.file}:${w.pin.line}`
        : "the recipe's default";
  const digest =
    w.digest === null
      ? '(none: the tag alone names the image)'
      : w.digestFrom === 'lock'
        ? `${w.digest} (locked in ${w.lockFile ?? 'berth.lock'})`
        : `${w.digest} (the recipe's)`;
  return [
    `${w.name} ${w.version}`,
    field('recipe', `${w.recipe.file} (${w.recipe.source}: ${SOURCES[w.recipe.source]})`),
    field('version', `${w.version} (${version})`),
    field('image', w.mirrored ? `${w.reference} (pulled through the mirror as ${w.mirrored})` : w.reference),
    field('digest', digest),
    field('engine', w.engine ?? `unknown (${w.engineProblem ?? 'no endpoint'})`),
    field('warm', `${w.warm ? 'yes' : 'no'} (${w.warmFrom === 'setting' ? 'the warm setting' : "the recipe's"})`),
  ];
}
