import * as nodeModule from 'node:module';
import { main } from './cli.js';

// Node keeps the compiled code of berth's modules on disk: later starts skip the compiling.
// (A namespace import: on an older Node the function is missing rather than a load error.)
nodeModule.enableCompileCache?.();

await main(process.argv.slice(2), { dir: import.meta.url });
