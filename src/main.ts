import { enableCompileCache } from 'node:module';
import { main } from './cli.js';

// Node keeps the compiled code of berth's modules on disk: later starts skip the compiling.
enableCompileCache?.();

await main(process.argv.slice(2), { dir: import.meta.url });
