#!/usr/bin/env node
// Runs berth from src/ without a build: tsx compiles the TypeScript as it is imported.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
await main(process.argv.slice(2), { dir: import.meta.url, development: true });
