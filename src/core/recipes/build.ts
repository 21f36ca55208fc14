import { createRequire } from 'node:module';
import { InputError } from '../../platform/errors.js';
import { parseImageReference } from '../image-reference.js';
import { LABELS } from '../labels.js';
import { caEnv, HOST_CA_TARGET } from '../host-trust.js';
import type { BuildSection } from './schema.js';

const require = createRequire(import.meta.url);

/** The repository of every image berth builds: `berth-build/<name>:<hash>` (gc finds them by label, not by this). */
export const BUILD_REPOSITORY = 'berth-build';

/**
 * What berth builds for a recipe with a `build:` section: the Dockerfile (the build context:
 * nothing else from the host goes into a build but the host's CA certificates, when `hostCa`),
 * the hash of its inputs, the tag and the labels the image gets.
 */
export interface BuildPlan {
  dockerfile: string;
  /** sha256 of the build's inputs (the Dockerfile, which holds the base and every step), 32 hex digits. */
  hash: string;
  /** `berth-build/<name>:<hash>`: a changed build section is a new tag, an unchanged one the cached image. */
  tag: string;
  /** The base the Dockerfile builds FROM: the recipe's `from:` or the override. */
  base: string;
  labels: Record<string, string>;
  /** The build context has the host's CA certificates (HOST_CA_FILE), and its steps trust them. */
  hostCa: boolean;
}

/** The host's CA certificates in a build context (core/host-trust.ts): copied in, pointed at by build arguments. */
export const HOST_CA_FILE = 'berth-host-ca.pem';

/** What a build needs of a recipe; backends hand in recipes made in memory (apt:, npm:), not only files. */
export interface BuildInput {
  name: string;
  version: string;
  build: BuildSection;
  /** For messages: where the recipe came from. */
  file?: string;
}

/**
 * Bumped when the Dockerfile berth writes for the same recipe changes meaning (not its text:
 * the text is hashed anyway), so that images built by an older berth are not taken for new ones.
 */
const BUILD_FORMAT = 1;

/**
 * The build of `recipe` at `version` (its `{version}` substituted in the build section), FROM
 * `base` when given (--base / BERTH_BASE_IMAGE: air-gapped users, tests), else `build.from`.
 */
export function buildPlan(recipe: BuildInput, options: { version?: string; base?: string; hostCa?: boolean } = {}): BuildPlan {
  const version = options.version ?? recipe.version;
  const section = withVersion(recipe, version);
  const base = options.base ?? section.from;
  try {
    parseImageReference(base);
  } catch (error) {
    throw new InputError(`base image ${base}: ${(error as Error).message}`, options.base === undefined ? recipe.file : undefined);
  }
  const hostCa = options.hostCa ?? false;
  const dockerfile = dockerfileFor(section, base, hostCa);
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  // The host's CA certificates are the machine's, not the build's: the same tag with or without
  // them (as with the proxy variables), so berth.lock and the cache do not change with them.
  const inputs = hostCa ? dockerfileFor(section, base, false) : dockerfile;
  const hash = createHash('sha256').update(`berth-build ${BUILD_FORMAT}\n${inputs}`).digest('hex').slice(0, 32);
  return {
    dockerfile,
    hash,
    tag: `${BUILD_REPOSITORY}/${repositoryName(recipe.name)}:${hash}`,
    base,
    labels: { [LABELS.build]: recipe.name, [LABELS.buildBase]: base },
    hostCa,
  };
}

/** Whether `tag` is one of berth's build tags (not a pulled image). */
export function isBuildTag(tag: string): boolean {
  return tag.startsWith(`${BUILD_REPOSITORY}/`);
}

/**
 * The build section at `version`: `{version}` substituted where it appears; a section without
 * one builds only the recipe's own version.
 */
function withVersion(recipe: BuildInput, version: string): BuildSection {
  const text = JSON.stringify(recipe.build);
  if (version === recipe.version) return JSON.parse(text.replaceAll('{version}', version)) as BuildSection;
  if (!text.includes('{version}')) {
    throw new InputError(`${recipe.name}@${version}: the recipe's build has no {version} to put a version in; only ${recipe.version} is available`, recipe.file);
  }
  return JSON.parse(text.replaceAll('{version}', version)) as BuildSection;
}

/** A name fit for a repository path component: lowercase, `[a-z0-9._-]` (a backend's `npm:@scope/x` included). */
function repositoryName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/[^a-z0-9]+$/, '');
  return cleaned.slice(0, 100) || 'tool';
}

/**
 * The Dockerfile of a build section. Steps are written in exec form with a JSON string, so a
 * step's newlines or quotes stay inside that step and can never start a Dockerfile instruction.
 */
function dockerfileFor(section: BuildSection, base: string, hostCa: boolean): string {
  const lines = [`FROM ${base}`, ...(hostCa ? trustLines() : [])];
  if (section.dockerfile !== undefined) return `${lines.join('\n')}\n${section.dockerfile.endsWith('\n') ? section.dockerfile : `${section.dockerfile}\n`}`;
  const run = (script: string) => lines.push(`RUN ${JSON.stringify(['/bin/sh', '-c', script])}`);
  if (section.apt && section.apt.length > 0) {
    // The package lists are of no use in the image; installing only what is named keeps it small.
    run(
      `set -eu; export DEBIAN_FRONTEND=noninteractive; apt-get update; apt-get install -y --no-install-recommends ${section.apt.join(' ')}; apt-get clean; rm -rf /var/lib/apt/lists/*`,
    );
  }
  if (section.apk && section.apk.length > 0) run(`set -eu; apk add --no-cache ${section.apk.join(' ')}`);
  for (const step of section.run ?? []) run(step);
  return `${lines.join('\n')}\n`;
}

/**
 * The host's CA certificates for the build's steps (a TLS-intercepting proxy between the engine
 * and a package registry): copied in, and named by build arguments, which the steps see as
 * variables and the image does not keep in its configuration (ENV would make them the tool's).
 */
function trustLines(): string[] {
  return [`COPY ${JSON.stringify([HOST_CA_FILE, HOST_CA_TARGET])}`, `ARG ${caEnv().map(([name, value]) => `${name}=${value}`).join(' ')}`];
}

/** One line for people (permissions, info): what the build starts from and adds. */
export function describeBuild(section: BuildSection): string {
  const adds = [
    section.apt?.length ? `apt ${section.apt.join(' ')}` : undefined,
    section.apk?.length ? `apk ${section.apk.join(' ')}` : undefined,
    section.run?.length ? `${section.run.length} run step${section.run.length === 1 ? '' : 's'}` : undefined,
    section.dockerfile !== undefined ? 'an inline Dockerfile' : undefined,
  ].filter((part) => part !== undefined);
  return `built from ${section.from}${adds.length > 0 ? ` + ${adds.join(', ')}` : ''}`;
}
