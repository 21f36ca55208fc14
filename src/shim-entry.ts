/**
 * What a shim runs: `node dist/shim-entry.js TOOL[@VERSION] ARGS...` behaves as
 * `berth run TOOL[@VERSION] ARGS...` with default flags, through the same start-up path as
 * `berth run` (no oclif, no command machinery).
 */
import * as nodeModule from 'node:module';

// As in main.ts: the compile cache first, then the CLI bundle.
nodeModule.enableCompileCache?.();
const { runShim } = await import('./cli.js');
await runShim(process.argv.slice(2));
