/**
 * What a shim runs: `node dist/shim-entry.js TOOL[@VERSION] ARGS...` behaves as
 * `berth run TOOL[@VERSION] ARGS...` with default flags, through the same start-up path as
 * `berth run` (no oclif, no command machinery).
 */
import * as nodeModule from 'node:module';

// Node keeps the compiled code of berth's modules on disk: later starts skip the compiling.
// (A namespace import: on an older Node the function is missing rather than a load error.)
nodeModule.enableCompileCache?.();
const { runCommandLine } = await import('./run/command-line.js');
const [tool, ...args] = process.argv.slice(2);
if (!tool || !(await runCommandLine(['--', tool, ...args]))) {
  process.stderr.write('berth: the shim names no tool; reinstall it with berth install TOOL\n');
  process.exitCode = 126;
}
