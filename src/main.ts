import { execute } from '@oclif/core';
import { protectToolArguments } from './run/argv.js';

// oclif reads the login shell from the passwd entry when SHELL is unset, and throws for a uid
// that has none (CI containers, `docker run --user`): berth must work there.
process.env.SHELL ??= 'sh';
// oclif would take a `--help` anywhere before `--` as a request for its own help, so the tool's
// arguments are put behind a `--` before oclif sees them.
await execute({ dir: import.meta.url, args: await protectToolArguments(process.argv.slice(2)) });
