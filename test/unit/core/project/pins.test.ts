import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockEntry } from '../../../../src/core/project/lock.js';
import { loadProjectPins, lockedImage } from '../../../../src/core/project/pins.js';
import { D1, D2, root, dirs, write, recipe, rejection, useProject } from '../../support/project.js';

useProject();

describe('berth.yaml', () => {
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

describe('berth.lock', () => {
  const entry = (name: string, version: string, image: string, digest = D1): LockEntry => ({ name, version, image, digest, line: 0 });

  it('applies only to exactly the pinned version and image (and the recipe digest, when it has one)', () => {
    const lock = { file: 'x', entries: new Map([['fx', entry('fx', '1.0', 'registry.test/fx:1.0')]]) };
    expect(lockedImage(lock, 'fx', '1.0', 'registry.test/fx:1.0')).toBe(`registry.test/fx@${D1}`);
    expect(lockedImage(lock, 'fx', '1.1', 'registry.test/fx:1.1')).toBeUndefined();
    expect(lockedImage(lock, 'fx', '1.0', 'other.test/fx:1.0')).toBeUndefined();
    expect(lockedImage(lock, 'fx', '1.0', `registry.test/fx:1.0@${D2}`)).toBeUndefined();
    expect(lockedImage(lock, 'fx', '1.0', `registry.test/fx:1.0@${D1}`)).toBe(`registry.test/fx@${D1}`);
    expect(lockedImage(undefined, 'fx', '1.0', 'registry.test/fx:1.0')).toBeUndefined();
  });
});
