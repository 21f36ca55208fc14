import * as nodeModule from 'node:module';

// Node keeps the compiled code of berth's modules on disk: later starts skip the compiling. On
// before anything else loads, the CLI bundle (dist/cli.js) included.
// (A namespace import: on an older Node the function is missing rather than a load error.)
nodeModule.enableCompileCache?.();
const { main } = await import('./cli.js');
await main(process.argv.slice(2), { dir: import.meta.url });
