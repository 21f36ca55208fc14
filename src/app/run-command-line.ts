import { reportError } from '../platform/errors.js';
import { split } from '../core/run/argv.js';
import { parseRunFlags, RUN_FLAGS, runRequest } from '../core/run/run-flags.js';

// stdin only when it is used: Node's set-up of it costs ~2 ms, and /dev/null needs none.
const io = {
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
};

/**
 * `berth run` and shims, without oclif: a tool's start-up is the product. Returns false, having
 * done nothing, when oclif should take the command line (help, or no tool named).
 */
export async function runCommandLine(argv: string[]): Promise<boolean> {
  const flagTypes = Object.fromEntries(Object.entries(RUN_FLAGS).map(([n, f]) => [n, { type: f.kind, char: 'char' in f ? f.char : undefined }]));
  const { own, tool, rest } = split(argv, flagTypes);
  if (tool === undefined) return false;
  try {
    const flags = parseRunFlags(own);
    if (!flags) return false;
    const request = runRequest(tool, rest, flags);
    if (flags['dry-run']) {
      const { planTool } = await import('./run-tool.js');
      const { dockerRunArgs } = await import('../core/run/docker-command.js');
      const { shellQuote } = await import('../core/shell-words.js');
      const { plan, kind } = await planTool(request, io);
      process.stdout.write(`${dockerRunArgs(plan, kind.kind).map((word) => shellQuote(word)).join(' ')}\n`);
      return true;
    }
    const { runTool } = await import('./run-tool.js');
    process.exitCode = await runTool(request, io);
  } catch (error) {
    if (!reportError(error)) {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 125;
    }
  }
  return true;
}
