#!/usr/bin/env -S node --import tsx
// Runs berth from src/ without a build (oclif finds the TypeScript commands through tsx).
import { execute } from '@oclif/core';
import { protectToolArguments } from '../src/run/argv.ts';

await execute({ development: true, dir: import.meta.url, args: await protectToolArguments(process.argv.slice(2)) });
