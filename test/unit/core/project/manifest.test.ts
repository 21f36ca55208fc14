import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../../../src/core/project/manifest.js';
import { loadProjectPins } from '../../../../src/core/project/pins.js';
import { root, dirs, write, recipe, rejection, failure, useProject } from '../../support/project.js';

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
  ])('refuses %s with file:line', (_what, text, message) => {
    const file = write(path.join(root, 'berth.yaml'), text);
    const error = failure(() => readManifest(file));
    expect(error.startsWith(`${file}:`)).toBe(true);
    expect(error).toMatch(message);
    expect(error.split('\n')).toHaveLength(1);
  });

  it('names the pin line for an unknown tool and a version the image cannot express', async () => {
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 2.0\n  nosuch: 1.0\n');
    expect(await rejection(loadProjectPins(root, dirs))).toBe(`${root}/berth.yaml:3: tools.nosuch: no recipe for "nosuch" (see berth list)`);
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 2.0\n  fixed: 3.0\n');
    expect(await rejection(loadProjectPins(root, dirs))).toMatch(new RegExp(`^${root}/berth.yaml:3: tools\\.fixed: 3\\.0: the recipe's image registry\\.test/fixed:1 has no \\{version\\}; only 1 is available`));
    recipe({ name: 'badtag', image: 'registry.test/badtag:{version}' });
    write(path.join(root, 'berth.yaml'), 'tools:\n  badtag: 1+build\n');
    expect(await rejection(loadProjectPins(root, dirs))).toMatch(/berth\.yaml:2: tools\.badtag: 1\+build: does not fit the recipe's image .*not a valid tag/);
  });
});
