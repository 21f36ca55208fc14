import { accessSync, constants, lstatSync, mkdirSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../platform/errors.js';
import { directoryEntries, realPathOr, writeFileAtomic } from '../platform/files.js';
import { NAME_PATTERN } from './patterns.js';
import { shellQuote, shellWords } from './shell-words.js';
import { compiledFile } from '../platform/package-files.js';

/**
 * Shims: one small `#!/bin/sh` script per tool in the shim directory, so `jq` on PATH runs
 * `berth run jq`. A shim names Node and berth's light shim entry by absolute path (it works with
 * a minimal PATH and loads no more of berth than a run needs), and carries a marker line so berth
 * touches only its own files:
 *
 *     #!/bin/sh
 *     # berth-shim v1
 *     # tool: jq
 *     # version: 1.7.1        (only when installed as jq@1.7.1)
 *     exec '/usr/bin/node' '/opt/berth/dist/shim-entry.js' 'jq@1.7.1' "$@"
 */
export const SHIM_MARKER = '# berth-shim v1';
const MARKER_PREFIX = '# berth-shim v';

/** berth's shim entry: dist/shim-entry.js. */
export const SHIM_ENTRY = compiledFile('shim-entry.js');

export interface Shim {
  name: string;
  /** The version baked in by `berth install TOOL@VERSION`; undefined follows the project or recipe. */
  version?: string;
  path: string;
  /** The Node binary and the berth entry the shim runs, as written in it. */
  node?: string;
  entry?: string;
  /** The recipe directory the shim carries (its recipe is not built in), if any. */
  recipes?: string;
  /** The package spec it runs (`npm:prettier@3.6.2`), for a package's command. */
  package?: string;
}

/** What a package's shim runs: the spec, and the command when it is not the package's own (--bin). */
export interface ShimPackage {
  spec: string;
  bin?: string;
}

/** A shim quotes every word it writes, so its lines read the same whatever the paths hold. */
const shQuote = (word: string) => shellQuote(word, { always: true });

export function shimScript(name: string, version: string | undefined, node: string = process.execPath, entry: string = SHIM_ENTRY, recipes?: string, pkg?: ShimPackage): string {
  const spec = pkg ? pkg.spec : version ? `${name}@${version}` : name;
  // A package's command other than its own goes first, as berth run's --bin (cli.ts: runShim).
  const words = [...(pkg?.bin ? [`--bin=${pkg.bin}`] : []), spec].map(shQuote).join(' ');
  return [
    '#!/bin/sh',
    SHIM_MARKER,
    `# Runs \`berth run ${pkg?.bin ? `--bin ${pkg.bin} ` : ''}${spec}\` with this script's arguments. Written by \`berth install\`; remove it with \`berth uninstall ${name}\`.`,
    `# tool: ${name}`,
    ...(version ? [`# version: ${version}`] : []),
    ...(pkg ? [`# package: ${pkg.spec}`] : []),
    // A recipe of the user's own (BERTH_RECIPES_PATH, ~/.config/berth/recipes) is found under a
    // bare environment too (cron, env -i): its directory comes along unless the caller sets one.
    ...(recipes ? [`# recipes: ${recipes}`, `[ -n "\${BERTH_RECIPES_PATH+x}" ] || { BERTH_RECIPES_PATH=${shQuote(recipes)}; export BERTH_RECIPES_PATH; }`] : []),
    `exec ${shQuote(node)} ${shQuote(entry)} ${words} "$@"`,
    '',
  ].join('\n');
}

/** What a shim's text says, or undefined when the text is not one of berth's shims. */
export function parseShim(text: string, file: string): Shim | undefined {
  const lines = text.split('\n');
  if (lines[0] !== '#!/bin/sh' || !lines[1]?.startsWith(MARKER_PREFIX)) return undefined;
  const field = (key: string) => lines.find((l) => l.startsWith(`# ${key}: `))?.slice(key.length + 4);
  const exec = lines.find((l) => l.startsWith('exec '));
  const words = exec ? shellWords(exec.slice(5)) : [];
  return { name: field('tool') ?? path.basename(file), version: field('version'), path: file, node: words[0], entry: words[1], recipes: field('recipes'), package: field('package') };
}

/** The first 4 kB of a regular file; undefined for anything else (missing, directory, symlink). */
function head(file: string): string | undefined {
  let fd: number;
  try {
    if (!lstatSync(file).isFile()) return undefined;
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(4096);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** berth's shim at `file`; 'foreign' when something else is there; undefined when nothing is. */
export function readShim(file: string): Shim | 'foreign' | undefined {
  try {
    lstatSync(file);
  } catch {
    return undefined;
  }
  const text = head(file);
  return (text !== undefined && parseShim(text, file)) || 'foreign';
}

/** Every berth shim in `dir`, by name; other files are left out. */
export function listShims(dir: string): Shim[] {
  const shims: Shim[] = [];
  for (const name of directoryEntries(dir).sort()) {
    const shim = readShim(path.join(dir, name));
    if (shim && shim !== 'foreign') shims.push(shim);
  }
  return shims;
}

function foreign(file: string, doing: string): InputError {
  return new InputError(`${file} was not written by berth; not ${doing} it (move it away, or use another shim directory: BERTH_SHIM_DIR or berth config set shimDir)`, file);
}

/**
 * Writes the shim for `name` (executable, atomically), creating the directory. Replaces only a
 * shim berth wrote; any other file there is an InputError and is left as it is.
 */
export function installShim(dir: string, name: string, version?: string, recipes?: string, pkg?: ShimPackage): { path: string; replaced?: Shim } {
  const file = path.join(dir, name);
  const existing = readShim(file);
  if (existing === 'foreign') throw foreign(file, 'overwriting');
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(file, shimScript(name, version, process.execPath, SHIM_ENTRY, recipes, pkg), 0o755);
  return { path: file, replaced: existing };
}

/** Throws the InputError installShim would throw for `name`, without writing anything. */
export function assertInstallable(dir: string, name: string): void {
  const file = path.join(dir, name);
  if (readShim(file) === 'foreign') throw foreign(file, 'overwriting');
}

/** Removes berth's shim for `name`. A file berth did not write is an InputError and stays. */
export function uninstallShim(dir: string, name: string): Shim {
  if (!NAME_PATTERN.test(name)) throw new InputError(`"${name}" is not a tool name`);
  const file = path.join(dir, name);
  const existing = readShim(file);
  if (existing === undefined) throw new InputError(`no shim for ${name} in ${dir}`, file);
  if (existing === 'foreign') throw foreign(file, 'removing');
  rmSync(file);
  return existing;
}


/** Whether `dir` is one of the PATH entries (compared after resolving symlinks). */
export function isOnPath(dir: string, pathVariable = process.env.PATH ?? ''): boolean {
  const target = realPathOr(dir);
  return pathVariable.split(':').some((entry) => entry !== '' && path.isAbsolute(entry) && realPathOr(entry) === target);
}

/**
 * What a shell runs for `name` instead of the shim in `dir`: an executable `name` in a PATH entry
 * before `dir` (an installed jq ahead of berth's). Undefined when the shim comes first, or when
 * `dir` is not on PATH at all.
 */
export function shadowingCommand(dir: string, name: string, pathVariable = process.env.PATH ?? ''): string | undefined {
  const target = realPathOr(dir);
  for (const entry of pathVariable.split(':')) {
    if (entry === '' || !path.isAbsolute(entry)) continue;
    if (realPathOr(entry) === target) return undefined;
    const file = path.join(entry, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not in this entry
    }
  }
  return undefined;
}

/** The exact line to add to a shell profile to put `dir` on PATH. */
export function pathExportLine(dir: string): string {
  return `export PATH="${dir.replace(/(["\\$`])/g, '\\$1')}:$PATH"`;
}

/** The environment a shim gives berth: its recipe directory when the caller sets none. */
export function shimEnvironment(shim: Shim, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return shim.recipes && env.BERTH_RECIPES_PATH === undefined ? { ...env, BERTH_RECIPES_PATH: shim.recipes } : env;
}

/** Problems with a shim's targets: a Node or a berth entry that is not there any more. */
export function shimTargetProblem(shim: Shim): string | undefined {
  if (!shim.node || !shim.entry) return `${shim.path} has no exec line berth understands`;
  try {
    accessSync(shim.node, constants.X_OK);
  } catch {
    return `${shim.path} runs Node at ${shim.node}, which does not exist or cannot be executed`;
  }
  try {
    accessSync(shim.entry, constants.R_OK);
  } catch {
    return `${shim.path} runs berth at ${shim.entry}, which does not exist`;
  }
  return undefined;
}
