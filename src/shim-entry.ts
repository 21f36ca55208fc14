/**
 * What a shim runs: `node dist/shim-entry.js TOOL[@VERSION] ARGS...` behaves as
 * `berth run TOOL[@VERSION] ARGS...` with default flags. It loads no oclif and no command
 * machinery: only the run path. Errors are reported as every command reports them (reportError),
 * and the exit code is set, never forced, so output is flushed.
 */
import { InvokeError, reportError } from './errors.js';
import { runTool } from './run/run-tool.js';

const [tool, ...args] = process.argv.slice(2);
try {
  if (!tool) throw new InvokeError('berth: the shim names no tool; reinstall it with berth install TOOL');
  process.exitCode = await runTool({ tool, args }, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
} catch (error) {
  if (!reportError(error)) {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 125;
  }
}
