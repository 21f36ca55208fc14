import { readFileSync } from 'node:fs';
import { packageFile } from './package-files.js';

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
  const listFlags = argv[0] === 'list' ? (await import('./recipes/list-command.js')).plainListFlags(argv.slice(1)) : undefined;
  if (listFlags) {
    const { reportError } = await import('./errors.js');
    await (await import('./recipes/list-command.js')).printList(listFlags).catch((error: unknown) => {
      if (!reportError(error)) throw error;
    });
    return;
  }
  if (argv[0] === 'run') {
    const { runCommandLine } = await import('./run/command-line.js');
    if (await runCommandLine(argv.slice(1))) return;
    quietOnClosedOutput();
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
  const { runCommandLine } = await import('./run/command-line.js');
  if (!tool || !(await runCommandLine(['--', tool, ...args]))) {
    process.stderr.write('berth: the shim names no tool; reinstall it with berth install TOOL\n');
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
