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

/** `from:` of a build: a repository with both a tag and a digest, so what it names can never move. */
export const PINNED_BASE = /^[a-z0-9][a-z0-9._/:-]*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}@sha256:[a-f0-9]{64}$/;
/** A Debian package, optionally `=VERSION` (Debian policy's characters; nothing a shell or Dockerfile reads specially). */
export const APT_PACKAGE = /^[a-z0-9][a-z0-9+.-]+(?:=[A-Za-z0-9.+~:-]+)?$/;
/** An Alpine package, optionally `=VERSION` (apk's own characters). */
export const APK_PACKAGE = /^[a-z0-9][a-z0-9_+.-]*(?:=[A-Za-z0-9._+~-]+)?$/;
/** A Dockerfile line that names a base: berth writes the only FROM, from `from:` (or --base). */
const FROM_LINE = /^\s*FROM\s/im;
/** COPY/ADD --from=IMAGE: files from another image, one `from:` does not pin. */
const COPY_FROM = /^\s*(?:COPY|ADD)\s[^\n]*--from/im;

function build(z: typeof Zod) {
  const stringList = z.array(z.string().min(1, 'an empty string'));
  const buildSection = z
    .strictObject({
      from: z.string().regex(PINNED_BASE, 'a base pinned by tag and digest, such as debian:bookworm-20240701-slim@sha256:<64 hex digits>'),
      apt: z.array(z.string().regex(APT_PACKAGE, 'a Debian package such as gifsicle or gifsicle=1.93-2')).optional(),
      apk: z.array(z.string().regex(APK_PACKAGE, 'an Alpine package such as gifsicle or gifsicle=1.95-r0')).optional(),
      run: stringList.optional(),
      dockerfile: z
        .string()
        .min(1, 'Dockerfile instructions')
        .refine((text) => !FROM_LINE.test(text), 'Dockerfile instructions without FROM (berth writes the FROM from build.from)')
        .refine((text) => !COPY_FROM.test(text), 'no COPY or ADD --from: a build takes files only from build.from and its own steps')
        .optional(),
    })
    .superRefine((section, ctx) => {
      if (section.dockerfile !== undefined && (section.apt ?? section.apk ?? section.run) !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['dockerfile'], message: 'either dockerfile, or apt/apk/run, not both' });
      }
      if (section.apt !== undefined && section.apk !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['apk'], message: 'either apt (a Debian base) or apk (an Alpine base), not both' });
      }
    });
  return z
  .strictObject({
    name: z.string().regex(NAME_PATTERN, `a name of ${NAME_RULE}`),
    description: z.string().min(1, 'a one-line description'),
    homepage: z.url({ error: 'an http(s) URL' }).optional(),
    tags: stringList.default([]),
    image: z.string().min(1, 'an image reference such as docker.io/koalaman/shellcheck:v{version}').optional(),
    build: buildSection.optional(),
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
    if ((recipe.image === undefined) === (recipe.build === undefined)) {
      const message = recipe.image === undefined ? 'missing: an image to pull, or a build section saying how to build one' : 'either image (an image to pull) or build (how to build one), not both';
      ctx.addIssue({ code: 'custom', path: [recipe.image === undefined ? 'image' : 'build'], message });
    }
    if (recipe.build !== undefined && recipe.digest !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['digest'], message: 'a digest pins a pulled image; a build is pinned by build.from' });
    }
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
/** `package`: made in memory by a package backend (core/backends/) for `npm:NAME`, `apt:NAME`. */
export type RecipeSource = 'project' | 'path' | 'user' | 'builtin' | 'package';

/** A recipe's `build:` section: how berth builds its image (see core/recipes/build.ts). */
export type BuildSection = NonNullable<RecipeFields['build']>;

export interface Recipe extends RecipeFields {
  /** The file it was read from. */
  file: string;
  source: RecipeSource;
}
