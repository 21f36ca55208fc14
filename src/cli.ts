import { readFileSync } from 'node:fs';
import { packageFile } from './platform/package-files.js';
import { nearestNames } from './core/nearest-names.js';
import { printable, warn, warnAt } from './platform/terminal-text.js';
import { COMPLETE } from './ui/completion-scripts.js';

/**
 * berth's entry. `berth run`, a plain `berth list` and `--version` take a path that loads no
 * oclif, because a tool's start-up is the product (and `berth list` sits in shell loops and
 * completions); everything else, help included, goes to oclif.
 */
export async function main(argv: string[], options: { dir: string; development?: boolean }): Promise<void> {
  // A reader that went away (`berth list | head`): stop as a native tool would on SIGPIPE,
  // instead of a stack trace, or oclif waiting for a drain that never comes. (A tool's run
  // handles it itself: the tool gets the SIGPIPE; `berth run -h` and a bare `berth run` go to
  // oclif and get this handler below.)
  if (argv[0] !== 'run') quietOnClosedOutput();
  if (argv[0] === '--version' && argv.length === 1) {
    const { version } = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };
    process.stdout.write(`berth/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
    return;
  }
  const list = argv[0] === 'list' ? await import('./app/list.js') : undefined;
  const listFlags = list?.plainListFlags(argv.slice(1));
  if (list && listFlags) {
    let output: Awaited<ReturnType<typeof list.listOutput>>;
    try {
      output = await list.listOutput(listFlags);
    } catch (error) {
      const { reportError } = await import('./platform/errors.js');
      if (!reportError(error)) throw error;
      return;
    }
    for (const note of output.notes) (note.located ? warnAt : warn)(note.text);
    for (const line of output.lines) process.stdout.write(`${printable(line, true)}\n`);
    return;
  }
  if (argv[0] === COMPLETE) {
    // The shells' completion scripts (berth completions) ask here on every Tab: no oclif.
    const { complete, completionLines } = await import('./app/complete.js');
    let lines: string[];
    try {
      lines = completionLines(complete(argv.slice(1)));
    } catch {
      return; // a completion that cannot be worked out offers nothing, and never a stack trace at a prompt
    }
    for (const line of lines) process.stdout.write(`${line}\n`);
    return;
  }
  if (argv[0] === 'run') {
    const { runCommandLine } = await import('./app/run-command-line.js');
    if (await runCommandLine(argv.slice(1))) return;
    quietOnClosedOutput();
  }
  const unknown = argv[0] && !argv[0].startsWith('-') ? await unknownCommand(argv) : undefined;
  if (unknown) {
    warn(unknown);
    process.exitCode = 1;
    return;
  }
  // oclif reads the login shell from the passwd entry when SHELL is unset, and throws for a uid
  // that has none (CI containers, `docker run --user`): berth must work there.
  process.env.SHELL ??= 'sh';
  const { execute } = await import('@oclif/core');
  await execute({ dir: options.dir, development: options.development, args: argv });
}

/** A shim's command line, `TOOL[@VERSION] ARGS...`: `berth run` with default flags. */
export async function runShim(argv: string[]): Promise<void> {
  const [tool, ...args] = argv;
  const { runCommandLine } = await import('./app/run-command-line.js');
  if (!tool || !(await runCommandLine(['--', tool, ...args]))) {
    warn('the shim names no tool; reinstall it with berth install TOOL');
    process.exitCode = 126;
  }
}

/** Exit 141 (128 + SIGPIPE), silently, when the reader of stdout or stderr has gone. */
function quietOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(141);
      throw error;
    });
  }
}

/**
 * A command line whose first word (or a topic's second) names no command: one line with the
 * nearest commands (oclif would say `command rn:jq not found`, exit 2), or, for a tool's name,
 * how to run it. Commands are read from oclif's manifest.
 */
async function unknownCommand(argv: string[]): Promise<string | undefined> {
  let ids: string[];
  try {
    ids = Object.keys((JSON.parse(readFileSync(packageFile('oclif.manifest.json'), 'utf8')) as { commands: Record<string, unknown> }).commands);
  } catch {
    return undefined; // no manifest (development): oclif finds the commands itself
  }
  const [first = '', second] = argv;
  const topic = !ids.includes(first) && ids.some((id) => id.startsWith(`${first}:`));
  const [word, prefix, candidates] =
    topic && second !== undefined && !second.startsWith('-')
      ? [second, `${first} `, ids.filter((id) => id.startsWith(`${first}:`)).map((id) => id.slice(first.length + 1))]
      : [first, '', [...new Set(ids.map((id) => id.split(':')[0]!))]];
  if (candidates.includes(word)) return undefined;
  let hint: string;
  const { recipeExists } = await import('./core/recipes/catalog.js');
  if (!prefix && recipeExists(word)) hint = `; to run the tool: berth run ${word}`;
  else {
    const near = nearestNames(word, candidates);
    hint = near.length > 0 ? `; did you mean ${near.map((n) => prefix + n).join(', ')}?` : '';
  }
  return `"${prefix}${word}" is not a berth command${hint} (berth help lists the commands)`;
}
