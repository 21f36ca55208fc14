#!/usr/bin/env node
// Checked before anything loads: berth's code needs Node 22, and an older Node would fail later
// with a warning and a stack instead of this one line.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`berth: needs Node.js 22 or newer; this is ${process.version} (${process.execPath})\n`);
  process.exit(1);
}
await import('../dist/main.js');
