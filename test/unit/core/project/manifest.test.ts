import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, setPin } from '../../../../src/core/project/manifest.js';
import { root, write, failure, useProject } from '../../support/project.js';

useProject();

describe('berth.yaml', () => {
  it('reads pins in file order, keeping versions as written (1.0 and 1.10 are not numbers)', () => {
    const file = write(path.join(root, 'berth.yaml'), '# tools\ntools:\n  fx: 1.10\n  fixed: "1"\n  vtag: 1.0\n');
    expect(readManifest(file).pins).toEqual([
      { name: 'fx', version: '1.10', line: 3 },
      { name: 'fixed', version: '1', line: 4 },
      { name: 'vtag', version: '1.0', line: 5 },
    ]);
  });

  it('reads a package spec as a tool, its version as the value', () => {
    const file = write(path.join(root, 'berth.yaml'), 'tools:\n  "npm:prettier": 3.6.2\n  "npm:@scope/x": latest\n  apt:gifsicle: 1.93-2\n');
    expect(readManifest(file).pins).toEqual([
      { name: 'npm:prettier', version: '3.6.2', line: 2 },
      { name: 'npm:@scope/x', version: 'latest', line: 3 },
      { name: 'apt:gifsicle', version: '1.93-2', line: 4 },
    ]);
  });

  it('accepts an empty file and an empty tools:', () => {
    expect(readManifest(write(path.join(root, 'a.yaml'), '# nothing yet\n')).pins).toEqual([]);
    expect(readManifest(write(path.join(root, 'b.yaml'), 'tools:\n')).pins).toEqual([]);
  });

  it.each([
    ['not YAML', 'tools:\n  fx: [1\n', /:\d+: not valid YAML/],
    ['a list at the top', '- fx\n', /:1: expected a map with a tools: field/],
    ['an unknown field', 'tools:\n  fx: 1.0\ntool:\n  x: 1\n', /:3: tool: unknown field \(expected tools\)/],
    ['tools not a map', 'tools: [fx]\n', /:1: tools: expected a map of tool: version/],
    ['a missing version', 'tools:\n  fx: 1.0\n  fixed:\n', /:3: tools\.fixed: expected a version/],
    ['a boolean version', 'tools:\n  fx: yes\n  fixed: true\n', /:3: tools\.fixed: expected a version/],
    ['a bad version', 'tools:\n  fx: "1 0"\n', /:2: tools\.fx: "1 0" is not a version/],
    ['a bad tool name', 'tools:\n  Fx/y: 1.0\n', /:2: tools\.Fx\/y: not a tool name/],
    ['a duplicate tool', 'tools:\n  fx: 1.0\n  fx: 2.0\n', /:3: not valid YAML/],
    ['a bad package name', 'tools:\n  "npm:@@x": 1.0.0\n', /:2: tools\.npm:@@x: "@" is not an npm package name/],
    ['a package with its version in the key', 'tools:\n  "npm:prettier@3.6.2": 3.6.2\n', /:2: tools\.npm:prettier@3\.6\.2: the version goes in the value \("npm:prettier": 3\.6\.2\)/],
    ['a backend berth does not have', 'tools:\n  "pip:ruff": 0.6.0\n', /:2: tools\.pip:ruff: pip: packages are not supported yet/],
  ])('refuses %s with file:line', (_what, text, message) => {
    const file = write(path.join(root, 'berth.yaml'), text);
    const error = failure(() => readManifest(file));
    expect(error.startsWith(`${file}:`)).toBe(true);
    expect(error).toMatch(message);
    expect(error.split('\n')).toHaveLength(1);
  });
});

describe('berth use', () => {
  it('changes a pin in place and appends a new one, keeping comments, blank lines and order', () => {
    const file = write(
      path.join(root, 'berth.yaml'),
      ['# Tools this repository needs.', 'tools:', '  # the linter', '  vtag: 2.0   # keep this comment', '', '  fx: 1.0', '', '# end', ''].join('\n'),
    );
    expect(setPin(file, 'fx', '1.7.1')).toEqual({ previous: '1.0', changed: true });
    expect(setPin(file, 'fixed', '1')).toEqual({ previous: undefined, changed: true });
    expect(setPin(file, 'vtag', '2.1')).toEqual({ previous: '2.0', changed: true });
    expect(readFileSync(file, 'utf8')).toBe(
      ['# Tools this repository needs.', 'tools:', '  # the linter', '  vtag: "2.1" # keep this comment', '', '  fx: 1.7.1', '  fixed: "1"', '', '# end', ''].join('\n'),
    );
    expect(readManifest(file).pins.map((p) => `${p.name}=${p.version}`)).toEqual(['vtag=2.1', 'fx=1.7.1', 'fixed=1']);
  });

  it('writes nothing when the pin is already that version', () => {
    const file = write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 1.0 # same\n');
    const before = statSync(file).ino;
    expect(setPin(file, 'fx', '1.0')).toEqual({ previous: '1.0', changed: false });
    expect(statSync(file).ino).toBe(before);
  });

  it('adds tools: to a file that has only comments, and creates a missing file', () => {
    const file = write(path.join(root, 'berth.yaml'), '# pins go here\n');
    setPin(file, 'fx', '1.0');
    expect(readManifest(file).pins).toEqual([{ name: 'fx', version: '1.0', line: 4 }]);
    expect(readFileSync(file, 'utf8')).toMatch(/^# pins go here\n/);
    const fresh = path.join(root, 'new', 'berth.yaml');
    setPin(fresh, 'fx', '2');
    expect(readFileSync(fresh, 'utf8')).toBe('tools:\n  fx: "2"\n');
  });

  it('writes atomically: a new file renamed over the old, no temp file left, the mode kept', () => {
    const file = write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 1.0\n');
    chmodSync(file, 0o640);
    const before = statSync(file).ino;
    setPin(file, 'fx', '2.0');
    expect(statSync(file).ino).not.toBe(before);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(root).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it('does not edit a broken file', () => {
    const text = 'tools:\n  fx: 1.0\nextra: 1\n';
    const file = write(path.join(root, 'berth.yaml'), text);
    expect(failure(() => setPin(file, 'fx', '2.0'))).toMatch(/berth\.yaml:3: extra: unknown field/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
