import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { formatLock } from '../../../../src/core/project/lock.js';
import { resolveTool } from '../../../../src/core/run/resolve.js';
import { D1, root, recipes, write, rejection, useProject } from '../../support/project.js';

useProject();

describe('resolution of a run', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.BERTH_RECIPES_PATH;
    process.env.BERTH_RECIPES_PATH = recipes;
    return () => {
      if (saved === undefined) delete process.env.BERTH_RECIPES_PATH;
      else process.env.BERTH_RECIPES_PATH = saved;
    };
  });

  it('uses the pin, then the locked digest; an explicit version beats the pin; outside: the recipe default', async () => {
    const project = path.join(root, 'p');
    const sub = path.join(project, 'src');
    mkdirSync(sub, { recursive: true });
    write(path.join(project, 'berth.yaml'), 'tools:\n  fx: 1.5\n');
    expect(await resolveTool('fx', sub)).toMatchObject({ version: '1.5', image: 'registry.test/fx:1.5', versionFrom: 'project', locked: false });
    write(path.join(project, 'berth.lock'), formatLock([{ name: 'fx', version: '1.5', image: 'registry.test/fx:1.5', digest: D1, line: 0 }]));
    expect(await resolveTool('fx', sub)).toMatchObject({ version: '1.5', image: `registry.test/fx@${D1}`, locked: true });
    expect(await resolveTool('fx@1.6', sub)).toMatchObject({ version: '1.6', image: 'registry.test/fx:1.6', versionFrom: 'command line', locked: false });
    expect(await resolveTool('fx@1.5', sub)).toMatchObject({ image: `registry.test/fx@${D1}`, locked: true });
    expect(await resolveTool('fx', root)).toMatchObject({ version: '1.0', image: 'registry.test/fx:1.0', versionFrom: 'recipe' });
  });

  it("names the project's files behind the version (berth.yaml's line) and the digest (berth.lock)", async () => {
    const project = path.join(root, 'q');
    mkdirSync(project, { recursive: true });
    write(path.join(project, 'berth.yaml'), '# pins\ntools:\n\n  fx: 1.5\n');
    const manifestFile = path.join(project, 'berth.yaml');
    expect((await resolveTool('fx', project)).project).toEqual({ manifestFile, pinLine: 4, lockFile: undefined });
    write(path.join(project, 'berth.lock'), formatLock([{ name: 'fx', version: '1.5', image: 'registry.test/fx:1.5', digest: D1, line: 0 }]));
    const lockFile = path.join(project, 'berth.lock');
    expect((await resolveTool('fx', project)).project).toEqual({ manifestFile, pinLine: 4, lockFile });
    // An explicit version that the lock also has: the digest is the lock's, the version is not the pin's.
    expect((await resolveTool('fx@1.5', project)).project).toEqual({ manifestFile, pinLine: undefined, lockFile });
    expect((await resolveTool('fx@1.6', project)).project).toEqual({ manifestFile, pinLine: undefined, lockFile: undefined });
    expect((await resolveTool('fx', root)).project).toBeUndefined();
  });

  it('fails with file:line inside a broken project only', async () => {
    const project = path.join(root, 'broken');
    mkdirSync(project);
    write(path.join(project, 'berth.yaml'), 'tools:\n  fx: 1.0\n');
    write(path.join(project, 'berth.lock'), 'lockVersion: 1\ntools:\n  fx:\n    version: 1.0\n');
    expect(await rejection(resolveTool('fx', project))).toBe(`${project}/berth.lock:3: tools.fx.image: missing`);
    expect((await resolveTool('fx', root)).image).toBe('registry.test/fx:1.0');
  });
});
