import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../platform/errors.js';
import { parseImageReference } from '../image-reference.js';
import { findProjectRoot } from '../workspace/root.js';
import { projectRecipeDirectory } from '../workspace/trust.js';
import { writeFileAtomic } from '../../platform/files.js';
import { yamlLibrary } from '../../platform/yaml-file.js';
import { BUILTIN_RECIPES } from './catalog.js';
import { userRecipeDirectory } from '../../platform/paths.js';
import { NAME_PATTERN, NAME_RULE } from '../patterns.js';

/** The image fields of a new recipe, taken apart from the reference the user gave. */
export interface SkeletonImage {
  /** The reference with `{version}` where the version sits in the tag, without the digest. */
  image: string;
  version: string;
  digest?: string;
  /** Something the user should fix, e.g. a reference without a tag. */
  warning?: string;
}

/**
 * Splits a tag into what comes before the version, the version and a variant suffix:
 * `v1.2.3` → v + 1.2.3, `7.1-alpine` → 7.1 + -alpine, `7.1.2-12` → 7.1.2-12. A tag that does
 * not start with a version is the version as a whole.
 */
function splitTag(tag: string): { prefix: string; version: string; suffix: string } {
  const match = /^(v?)(\d[\w.+-]*?)((?:-[A-Za-z][\w.-]*)?)$/.exec(tag);
  if (!match) return { prefix: '', version: tag, suffix: '' };
  return { prefix: match[1]!, version: match[2]!, suffix: match[3]! };
}

/** Checks REF and turns it into image, version and digest; throws InputError on a bad reference. */
export function skeletonImage(ref: string): SkeletonImage {
  let parsed;
  try {
    parsed = parseImageReference(ref);
  } catch (error) {
    throw new InputError(`--image ${ref}: ${(error as Error).message}`);
  }
  // The repository as the user wrote it (`local/jq` stays local/jq, not docker.io/local/jq).
  const repository = parsed.name;
  if (!parsed.tag) {
    return {
      image: `${repository}:{version}`,
      version: 'latest',
      digest: parsed.digest,
      warning: `${ref} has no tag, so the recipe uses "latest": pin an exact version tag before you rely on it`,
    };
  }
  const { prefix, version, suffix } = splitTag(parsed.tag);
  return {
    image: `${repository}:${prefix}{version}${suffix}`,
    version,
    digest: parsed.digest,
    warning: parsed.tag === 'latest' ? `"latest" is not a version: pin an exact version tag before you rely on it` : undefined,
  };
}

/** Checks a recipe name; throws InputError saying what a name may contain. */
export function checkRecipeName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new InputError(
      `"${name}" is not a recipe name: use ${NAME_RULE}`,
    );
  }
}

const scalar = (value: string) => yamlLibrary().stringify(value).trimEnd();

/** A commented recipe that passes `berth recipes lint` as written; every field is explained. */
export function recipeSkeleton(name: string, ref: string): string {
  checkRecipeName(name);
  const { image, version, digest } = skeletonImage(ref);
  const plainRef = image.replace('{version}', version);
  const digestLines = digest
    ? [`digest: ${digest}`]
    : ['# digest: sha256:<64 hex digits>'];
  return [
    `# berth recipe for ${name}, written by \`berth recipes new\`. Check it with:`,
    `#   berth recipes lint ${name}.yaml`,
    '# Fill in the TODOs. Optional fields are commented out; the others show their default.',
    '',
    '# The command name: lowercase letters, digits, ".", "_" and "-", starting with a letter or',
    `# digit. It must equal the file name (${name}.yaml).`,
    `name: ${scalar(name)}`,
    '',
    '# One line, shown by `berth list` and matched by `berth search`.',
    `description: TODO say in one line what ${name} does`,
    '',
    "# The tool's home page (optional).",
    '# homepage: https://example.org',
    '',
    '# Words that `berth search` matches, e.g. lint, format, convert, video, image, docs, data,',
    '# infra, security, network.',
    'tags: []',
    '',
    `# The image. {version} is replaced by the version asked for (\`berth run ${name}@1.2.3\`) or`,
    "# by `version` below. Prefer the tool's official image and an exact version tag.",
    `image: ${scalar(image)}`,
    '',
    '# The default version: what {version} becomes when none is asked for.',
    `version: ${scalar(version)}`,
    '',
    '# Other versions published as tags of this image, listed by `berth info` (optional).',
    `# versions: [${JSON.stringify(version)}]`,
    '',
    "# The sha256 digest of the default version's image (optional, recommended): it pins that",
    '# exact image even if the tag is pushed again. Other versions are pulled by tag. Find it with:',
    `#   docker buildx imagetools inspect ${plainRef}`,
    ...digestLines,
    '',
    '# What to run in the image, as a list: the program, then any fixed arguments. Leave it out to',
    "# use the image's own ENTRYPOINT; set it when the image has none (only a CMD) or when its",
    '# entrypoint is a wrapper script. See what the image has with:',
    "#   docker image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' IMAGE",
    `# entrypoint: [/usr/local/bin/${name}]`,
    '',
    "# Arguments put before the user's own (optional).",
    '# args: []',
    '',
    "# Instead of entrypoint and args: a /bin/sh script run in the image with the user's",
    '# arguments as "$@" (the image needs /bin/sh). A recipe has one or the other, not both.',
    '# script: |',
    `#   exec ${name} "$@"`,
    '',
    '# Network: none (no network at all; the default), bridge (the tool needs the network) or',
    "# host (it must reach services on this machine's loopback). Say why in notes when not none.",
    'network: none',
    '',
    '# Variables of your environment passed to the tool when they are set, by name,',
    '# e.g. [GITHUB_TOKEN].',
    'env: []',
    '',
    '# Files or directories of your home the tool needs (its HOME is its own, in berth\'s cache):',
    '# mounted there read-only, or read-write with :rw, e.g. [.aws, .kube/config, .netrc:rw].',
    'home: []',
    '',
    '# Who the tool runs as: host (you: your uid:gid with a passwd entry and a HOME kept between',
    '# runs, so the files it writes are yours; the default) or image (the image\'s own user, only',
    '# for images that cannot run as anyone else: say why in notes).',
    'user: host',
    '',
    '# A terminal for the tool: auto (when stdin and stdout are terminals; the default), always',
    '# or never.',
    'tty: auto',
    '',
    '# Keep a container running between calls and run later calls in it, for tools called very often',
    '# (editor linters, formatters).',
    'warm: false',
    '',
    '# What a user should know: why it needs the network, which files to mount, caveats',
    '# (optional).',
    '# notes: TODO',
    '',
    '# Example command lines, shown by `berth info`.',
    'examples:',
    `  - berth run ${name} --help`,
    '',
  ].join('\n');
}

export interface NewRecipeOptions {
  name: string;
  image: string;
  /** Write into the project's .berth/recipes instead of the user's recipe directory. */
  project?: boolean;
  force?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Where `berth recipes new` puts a recipe: the user's directory, or the project's with --project. */
export function newRecipeDirectory(project: boolean, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  if (!project) return userRecipeDirectory(env);
  return projectRecipeDirectory(findProjectRoot(cwd, env) ?? path.resolve(cwd));
}

/** Writes a new recipe skeleton atomically; refuses to replace an existing one without force. */
export function writeNewRecipe(options: NewRecipeOptions): { file: string; warnings: string[] } {
  checkRecipeName(options.name);
  const { warning } = skeletonImage(options.image);
  const warnings = warning ? [warning] : [];
  if (existsSync(path.join(BUILTIN_RECIPES, `${options.name}.yaml`))) {
    warnings.push(`${options.name} is a built-in recipe: yours will be used instead of it (berth info ${options.name} shows which one runs)`);
  }
  const content = recipeSkeleton(options.name, options.image);
  const dir = newRecipeDirectory(options.project ?? false, options.cwd, options.env);
  const file = path.join(dir, `${options.name}.yaml`);
  if (!options.force) {
    for (const existing of [file, path.join(dir, `${options.name}.yml`)]) {
      if (existsSync(existing)) throw new InputError(`${existing} already exists; use --force to replace it`, existing);
    }
  }
  writeFileAtomic(file, content);
  return { file, warnings };
}
