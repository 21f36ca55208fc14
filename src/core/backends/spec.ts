import { InputError, UsageError } from '../../platform/errors.js';
import { shortHash } from '../../platform/short-hash.js';
import type { Recipe } from '../recipes/schema.js';
import { aptBackend } from './apt.js';
import { BACKEND_MARKER, TOOL_PATH, type Backend } from './backend.js';
import { npmBackend } from './npm.js';

/** The package backends, by prefix: the one table that runs, berth.yaml, berth.lock and install use. */
export const BACKENDS: Record<string, Backend> = { apt: aptBackend, npm: npmBackend };
/** Prefixes of backends to come (README, roadmap): named as such instead of "unknown". */
const PLANNED = ['pip', 'cargo', 'go'];

/** A package spec as written: `npm:prettier@3.6.2`, `npm:@scope/name`, `apt:gifsicle@1.93-2`. */
export interface PackageSpec {
  backend: Backend;
  name: string;
  /** As asked; undefined: not said. */
  version?: string;
  /** The command to run, when not the package's own (--bin). */
  bin?: string;
}

const PREFIXED = /^([a-z][a-z0-9]*):/;
/** A command's name (--bin): what a file in a bin directory is called, nothing a shell reads. */
const BIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

/** Whether `spec` names a package (PREFIX:…) rather than a recipe: a recipe's name has no colon. */
export function isPackageSpec(spec: string): boolean {
  return PREFIXED.test(spec);
}

/**
 * `PREFIX:NAME[@VERSION]` taken apart and checked; a bad one is a UsageError saying what (125).
 * The version follows the last "@" that does not start the name (`npm:@scope/x@1.0.0`).
 */
export function parsePackageSpec(spec: string, bin?: string): PackageSpec {
  const prefix = PREFIXED.exec(spec)?.[1];
  if (prefix === undefined) throw new UsageError(`"${spec}" is not a package spec (PREFIX:NAME[@VERSION], such as npm:prettier@3.6.2)`);
  const backend = BACKENDS[prefix];
  if (!backend) {
    const known = Object.keys(BACKENDS).map((p) => `${p}:`).join(', ');
    throw new UsageError(
      PLANNED.includes(prefix) ? `${spec}: ${prefix}: packages are not supported yet (berth has ${known}; see the roadmap in the README)` : `${spec}: "${prefix}:" is not a package backend (berth has ${known})`,
    );
  }
  const rest = spec.slice(prefix.length + 1);
  const at = rest.lastIndexOf('@');
  const [name, version] = at > 0 ? [rest.slice(0, at), rest.slice(at + 1)] : [rest, undefined];
  const nameProblem = name === '' ? 'no package named' : backend.nameProblem(name);
  if (nameProblem) throw new UsageError(`${spec}: "${name}" is ${nameProblem === 'no package named' ? 'empty: name a package' : nameProblem}`);
  if (version !== undefined) {
    const problem = version === '' ? 'empty' : backend.versionProblem(version);
    if (problem) throw new UsageError(`${spec}: "${version}" is ${problem}`);
  }
  if (bin !== undefined && !BIN_NAME.test(bin)) throw new UsageError(`--bin ${bin}: not a command name (letters, digits, ".", "_", "+", "-")`);
  return { backend, name, version, bin };
}

/**
 * The tool's name for what berth keeps per tool (its HOME, labels, build tag): the prefix and the
 * package's name, in a tool name's characters; when the package's name had others (`@scope/x`,
 * `g++`), a hash of it keeps two packages apart.
 */
export function packageToolName(spec: Pick<PackageSpec, 'backend' | 'name' | 'bin'>): string {
  const safe = spec.name.replace(/^@/, '').replace(/[^a-z0-9._-]/g, '-');
  const base = `${spec.backend.prefix}-${safe}${safe === spec.name ? '' : `-${shortHash(spec.name).slice(0, 8)}`}`;
  return spec.bin === undefined ? base : `${base}.${spec.bin.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`;
}

/** The text of a spec at a version: `npm:prettier@3.6.2`. */
export function specText(spec: Pick<PackageSpec, 'backend' | 'name'>, version?: string): string {
  return `${spec.backend.prefix}:${spec.name}${version === undefined ? '' : `@${version}`}`;
}

/** The version a package runs at when none is said and the backend does not resolve one (apt): the archive's. */
export const ARCHIVE_VERSION = 'latest';

/**
 * The recipe berth makes in memory for a package at `version` (exact, or the backend's own for
 * "not said"): built from the backend's base, its command at TOOL_PATH, and otherwise a recipe's
 * defaults: no network, the invoking user, the current directory.
 */
export function packageRecipe(spec: PackageSpec, version: string | undefined): Recipe {
  const text = specText(spec, version);
  return {
    name: packageToolName(spec),
    description: `${text}${spec.bin ? ` (${spec.bin})` : ''}, built from ${spec.backend.source}`,
    tags: [],
    build: { from: spec.backend.base, ...spec.backend.build(spec.name, version, spec.bin) },
    version: version ?? ARCHIVE_VERSION,
    entrypoint: [TOOL_PATH],
    args: [],
    network: 'none',
    env: [],
    home: [],
    user: 'host',
    tty: 'auto',
    warm: false,
    examples: [],
    file: text,
    source: 'package',
  };
}

/** The one line a failed backend build means, when its step said the package is the problem; undefined otherwise. */
export function packageFailure(spec: PackageSpec, buildMessage: string): string | undefined {
  // A line of the step's own output (the log's echo of the step's text has the marker mid-line).
  // The builder colours a step's stderr (ESC[91m … ESC[0m).
  const plain = buildMessage.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  const marked = new RegExp(`^\\s*${BACKEND_MARKER} (.*)$`, 'm').exec(plain)?.[1];
  if (marked) return marked.trim();
  const text = specText(spec, spec.version);
  if (/Unable to locate package|has no installation candidate/.test(buildMessage)) return `${text}: no such package in ${spec.backend.source}`;
  if (/Version '[^']*' for '[^']*' was not found/.test(buildMessage)) return `${text}: no such version in ${spec.backend.source}`;
  if (/npm (?:ERR!|error) code E404|404 Not Found/.test(buildMessage)) return `${text}: no such package in ${spec.backend.source}`;
  if (/npm (?:ERR!|error) code ETARGET/.test(buildMessage)) return `${text}: no such version in ${spec.backend.source}`;
  return undefined;
}

/**
 * The command a package runs when no --bin says (as the build picks it: the one named like the
 * package, else its only one), from the names of its commands; an InputError (exit 1) naming them
 * when that picks none. `commands` undefined: not known before the build (apt): the package's name.
 */
export function defaultCommand(spec: PackageSpec, commands: string[] | undefined): string {
  if (spec.bin !== undefined) return spec.bin;
  const own = spec.name.replace(/^@[^/]+\//, '');
  if (commands === undefined || commands.includes(own)) return own;
  if (commands.length === 1) return commands[0]!;
  const text = specText(spec, spec.version);
  throw new InputError(commands.length === 0 ? `${text} has no command (no bin in its package.json)` : `${text} has several commands: ${commands.join(', ')} (pick one with --bin NAME)`);
}
