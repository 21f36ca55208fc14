import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, setPin } from '../../../src/core/project/manifest.js';
import { usePin } from '../../../src/app/use.js';
import { root, recipes, write, failure, useProject } from '../support/project.js';

useProject();

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

  it('checks the tool and version, defaults to the recipe version, and uses the nearest project', () => {
    const project = path.join(root, 'proj');
    const sub = path.join(project, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    write(path.join(project, 'berth.yaml'), 'tools: {}\n');
    const env = { ...process.env, BERTH_RECIPES_PATH: recipes };
    const saved = process.env.BERTH_RECIPES_PATH;
    process.env.BERTH_RECIPES_PATH = env.BERTH_RECIPES_PATH;
    try {
      expect(usePin('vtag', sub)).toMatchObject({ file: path.join(project, 'berth.yaml'), version: '2.0', changed: true });
      expect(failure(() => usePin('fixed@2', sub))).toMatch(/fixed@2: the recipe's image registry\.test\/fixed:1 has no \{version\}/);
      expect(failure(() => usePin('nosuch', sub))).toMatch(/no recipe for "nosuch"/);
      expect(readManifest(path.join(project, 'berth.yaml')).pins.map((p) => p.name)).toEqual(['vtag']);
    } finally {
      if (saved === undefined) delete process.env.BERTH_RECIPES_PATH;
      else process.env.BERTH_RECIPES_PATH = saved;
    }
  });
});
