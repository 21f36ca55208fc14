import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../../src/core/project/manifest.js';
import { usePins } from '../../../src/app/use.js';
import { root, recipes, write, useProject } from '../support/project.js';

useProject();

describe('berth use', () => {
  it('checks the tool and version, defaults to the recipe version, and uses the nearest project', async () => {
    const project = path.join(root, 'proj');
    const sub = path.join(project, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    write(path.join(project, 'berth.yaml'), 'tools: {}\n');
    const env = { ...process.env, BERTH_RECIPES_PATH: recipes };
    const saved = process.env.BERTH_RECIPES_PATH;
    process.env.BERTH_RECIPES_PATH = env.BERTH_RECIPES_PATH;
    try {
      expect(await usePins(['vtag'], sub)).toMatchObject([{ file: path.join(project, 'berth.yaml'), version: '2.0', changed: true }]);
      await expect(usePins(['fixed@2'], sub)).rejects.toThrow(/fixed@2: the recipe's image registry\.test\/fixed:1 has no \{version\}/);
      await expect(usePins(['vtag', 'nosuch'], sub)).rejects.toThrow(/no recipe for "nosuch"/);
      expect(readManifest(path.join(project, 'berth.yaml')).pins.map((p) => p.name)).toEqual(['vtag']);
    } finally {
      if (saved === undefined) delete process.env.BERTH_RECIPES_PATH;
      else process.env.BERTH_RECIPES_PATH = saved;
    }
  });
});
