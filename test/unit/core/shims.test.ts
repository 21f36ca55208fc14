// Shim files: what berth writes, how it recognises its own, and never touching anyone else's.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { installShim, isOnPath, listShims, parseShim, pathExportLine, readShim, shimScript, shimTargetProblem, uninstallShim } from '../../../src/core/shims.js';

let dir: string;
beforeEach(() => {
  dir = path.join(realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-shims-'))), 'bin');
});

describe('shim scripts', () => {
  it('carry the marker, the tool, the baked version, and exec Node on the entry by absolute path', () => {
    const text = shimScript('jq', '1.7.1', '/opt/node/bin/node', '/opt/berth/dist/shim-entry.js');
    expect(text.split('\n').slice(0, 2)).toEqual(['#!/bin/sh', '# berth-shim v1']);
    expect(text).toContain(`exec '/opt/node/bin/node' '/opt/berth/dist/shim-entry.js' 'jq@1.7.1' "$@"\n`);
    expect(parseShim(text, '/x/jq')).toEqual({ name: 'jq', version: '1.7.1', path: '/x/jq', node: '/opt/node/bin/node', entry: '/opt/berth/dist/shim-entry.js' });
    expect(parseShim(shimScript('jq', undefined, '/n', '/e'), '/x/jq')).toMatchObject({ name: 'jq', version: undefined });
  });

  it('quote paths with spaces, quotes and dollars so sh runs exactly them', () => {
    const odd = path.join(path.dirname(dir), `it's a $dir "x"`);
    mkdirSync(odd, { recursive: true });
    const entry = path.join(odd, 'entry.js');
    writeFileSync(entry, 'console.log(JSON.stringify(process.argv.slice(2)))\n');
    const text = shimScript('fx', undefined, process.execPath, entry);
    expect(parseShim(text, 'fx')).toMatchObject({ node: process.execPath, entry });
    const file = path.join(odd, 'fx');
    writeFileSync(file, text, { mode: 0o755 });
    expect(JSON.parse(execFileSync(file, ['a b', '$HOME', "'"], { encoding: 'utf8' }))).toEqual(['fx', 'a b', '$HOME', "'"]);
  });

  it('are not recognised without the marker', () => {
    expect(parseShim('#!/bin/sh\nexec jq "$@"\n', 'jq')).toBeUndefined();
    expect(parseShim('#!/usr/bin/env bash\n# berth-shim v1\n', 'jq')).toBeUndefined();
  });
});

describe('install and uninstall', () => {
  it('creates the directory, writes an executable shim, and replaces only its own', () => {
    const first = installShim(dir, 'jq');
    expect(first.replaced).toBeUndefined();
    expect(statSync(first.path).mode & 0o111).toBe(0o111);
    const again = installShim(dir, 'jq', '1.6');
    expect(again.replaced).toMatchObject({ name: 'jq', version: undefined });
    expect(readShim(again.path)).toMatchObject({ name: 'jq', version: '1.6' });
    expect(listShims(dir).map((s) => s.name)).toEqual(['jq']);
  });

  it('never overwrites or removes a file it did not write, symlinks included', () => {
    mkdirSync(dir, { recursive: true });
    const mine = path.join(dir, 'mine');
    writeFileSync(mine, '#!/bin/sh\necho mine\n', { mode: 0o755 });
    symlinkSync(installShim(dir, 'real').path, path.join(dir, 'link'));
    for (const name of ['mine', 'link']) {
      expect(() => installShim(dir, name)).toThrow(/was not written by berth; not overwriting it/);
      expect(() => uninstallShim(dir, name)).toThrow(/was not written by berth; not removing it/);
    }
    expect(readFileSync(mine, 'utf8')).toBe('#!/bin/sh\necho mine\n');
    expect(() => uninstallShim(dir, 'absent')).toThrow(/no shim for absent/);
    expect(() => uninstallShim(dir, '../x')).toThrow(/not a tool name/);
    expect(listShims(dir).map((s) => s.name)).toEqual(['real']);
    uninstallShim(dir, 'real');
    expect(listShims(dir)).toEqual([]);
  });

  it('reports a shim whose berth entry or Node is gone', () => {
    const shim = parseShim(shimScript('fx', undefined, process.execPath, path.join(dir, 'gone.js')), 'fx')!;
    expect(shimTargetProblem(shim)).toMatch(/runs berth at .*gone\.js, which does not exist/);
    const noNode = parseShim(shimScript('fx', undefined, '/no/node', process.execPath), 'fx')!;
    expect(shimTargetProblem(noNode)).toMatch(/runs Node at \/no\/node/);
  });
});

describe('PATH', () => {
  it('finds the directory on PATH, through symlinks', () => {
    mkdirSync(dir, { recursive: true });
    const link = path.join(path.dirname(dir), 'link');
    symlinkSync(dir, link);
    expect(isOnPath(dir, `/usr/bin:${dir}/`)).toBe(true);
    expect(isOnPath(dir, `/usr/bin:${link}`)).toBe(true);
    expect(isOnPath(dir, '/usr/bin:/bin::.')).toBe(false);
  });

  it('says exactly the line to add, quoted for the shell', () => {
    expect(pathExportLine('/home/me/.local/bin')).toBe('export PATH="/home/me/.local/bin:$PATH"');
    expect(pathExportLine('/a "b"/$c')).toBe('export PATH="/a \\"b\\"/\\$c:$PATH"');
  });
});

describe("a package's shim", () => {
  it('runs the package spec, with --bin first when it names another command, and says which package', () => {
    const text = shimScript('cowthink', undefined, '/n', '/e', undefined, { spec: 'npm:cowsay@1.6.0', bin: 'cowthink' });
    expect(text).toContain("exec '/n' '/e' '--bin=cowthink' 'npm:cowsay@1.6.0' \"$@\"\n");
    expect(text).toContain('# Runs `berth run --bin cowthink npm:cowsay@1.6.0`');
    expect(parseShim(text, '/x/cowthink')).toMatchObject({ name: 'cowthink', version: undefined, package: 'npm:cowsay@1.6.0', node: '/n', entry: '/e' });
    expect(shimScript('prettier', undefined, '/n', '/e', undefined, { spec: 'npm:prettier' })).toContain("exec '/n' '/e' 'npm:prettier' \"$@\"\n");
  });
});
