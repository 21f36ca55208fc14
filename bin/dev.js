#!/usr/bin/env -S node --import tsx
// Runs berth from src/ without a build (oclif finds the TypeScript commands through tsx).
import { main } from '../src/cli.ts';

await main(process.argv.slice(2), { dir: import.meta.url, development: true });
