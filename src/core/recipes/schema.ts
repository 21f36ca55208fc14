import { createRequire } from 'node:module';
import type { z as Zod } from 'zod';

import { DIGEST_PATTERN } from '../image-reference.js';
import { ENV_NAME_PATTERN, NAME_PATTERN, NAME_RULE, VERSION_PATTERN } from '../patterns.js';
import { PLATFORM_PATTERN } from '../platforms.js';

const require = createRequire(import.meta.url);

/**
 * One recipe file, as written. Every field is checked; unknown fields are refused. Built on
 * first use, so that zod loads only when a recipe file is actually parsed (a run reads recipes
 * from berth's cache).
 */
/** A `home:` entry: a path inside the user's home, never the home itself (no `.`, no `..`, no leading `/`), `:rw` to write it. */
const HOME_ENTRY = /^(?!\/)(?!\.(?:\/|$|:))(?!(?:.*\/)?\.\.(?:\/|$|:))[^:\n\0]+(?::rw)?$/;

function build(z: typeof Zod) {
  const stringList = z.array(z.string().min(1, 'an empty string'));
  return z
  .strictObject({
    name: z.string().regex(NAME_PATTERN, `a name of ${NAME_RULE}`),
    description: z.string().min(1, 'a one-line description'),
    homepage: z.url({ error: 'an http(s) URL' }).optional(),
    tags: stringList.default([]),
    image: z.string().min(1, 'an image reference such as docker.io/koalaman/shellcheck:v{version}'),
    version: z.string().regex(VERSION_PATTERN, 'a version such as 1.2.3'),
    versions: z.array(z.string().regex(VERSION_PATTERN, 'a version such as 1.2.3')).optional(),
    digest: z.string().regex(DIGEST_PATTERN, 'sha256: followed by 64 lowercase hex digits').optional(),
    /** The platforms the image has (os/arch[/variant]); a run on an engine of none of them is refused. */
    platforms: z.array(z.string().regex(PLATFORM_PATTERN, 'a platform such as linux/amd64 or linux/arm/v7')).min(1, 'at least one platform').optional(),
    entrypoint: stringList.min(1, 'at least one element').optional(),
    args: stringList.default([]),
    script: z.string().min(1, 'a /bin/sh script').optional(),
    network: z.enum(['none', 'bridge', 'host']).default('none'),
    env: z.array(z.string().regex(ENV_NAME_PATTERN, 'an environment variable name')).default([]),
    home: z.array(z.string().regex(HOME_ENTRY, 'a path under your home such as .aws or .kube/config, with :rw to let the tool write it')).default([]),
    user: z.enum(['host', 'image']).default('host'),
    tty: z.enum(['auto', 'always', 'never']).default('auto'),
    warm: z.boolean().default(false),
    examples: stringList.default([]),
    notes: z.string().optional(),
  })
  .superRefine((recipe, ctx) => {
    if (recipe.script !== undefined && (recipe.entrypoint !== undefined || recipe.args.length > 0)) {
      ctx.addIssue({ code: 'custom', path: ['script'], message: 'either script, or entrypoint and args, not both' });
    }
  });
}

let schema: ReturnType<typeof build> | undefined;

export function recipeSchema(): ReturnType<typeof build> {
  return (schema ??= build((require('zod') as typeof import('zod')).z));
}

export type RecipeFields = Zod.output<ReturnType<typeof build>>;

/** Where a recipe was found, highest precedence first. */
export type RecipeSource = 'project' | 'path' | 'user' | 'builtin';

export interface Recipe extends RecipeFields {
  /** The file it was read from. */
  file: string;
  source: RecipeSource;
}
