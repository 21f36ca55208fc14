import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { whichTool } from '../../../src/app/which.js';
import { formatLock } from '../../../src/core/project/lock.js';
import { D1, D2, recipes, rejection, root, useProject, write } from '../support/project.js';

useProject();

describe('berth which', () => {
  beforeEach(() => {
    const saved = { ...process.env };
    process.env.BERTH_RECIPES_PATH = recipes;
    process.env.XDG_CONFIG_HOME = path.join(root, 'config');
    process.env.DOCKER_CONFIG = path.join(root, 'docker');
    process.env.DOCKER_HOST = 'unix:///run/test-engine.sock';
    delete process.env.DOCKER_CONTEXT;
    delete process.env.BERTH_REGISTRY_MIRROR;
    return () => {
      process.env = saved;
    };
  });

  it("outside a project: the recipe's default version and digest, the engine, warm from the recipe", async () => {
    expect(await whichTool('vtag', root)).toEqual({
      name: 'vtag',
      recipe: { file: path.join(recipes, 'vtag.yaml'), source: 'path' },
      version: '2.0',
      versionFrom: 'recipe',
      pin: null,
      reference: `registry.test/vtag:v2.0@${D2}`,
      mirrored: null,
      digest: D2,
      digestFrom: 'recipe',
      lockFile: null,
      engine: 'unix:///run/test-engine.sock',
      engineProblem: null,
      warm: false,
      warmFrom: 'recipe',
    });
  });

  it("in a project: berth.yaml's line, berth.lock's digest; an explicit version is the command line's", async () => {
    const project = path.join(root, 'p');
    mkdirSync(path.join(project, 'sub'), { recursive: true });
    write(path.join(project, 'berth.yaml'), '# pins\ntools:\n  fx: "1.5"\n');
    write(path.join(project, 'berth.lock'), formatLock([{ name: 'fx', version: '1.5', image: 'registry.test/fx:1.5', digest: D1, line: 0 }]));
    expect(await whichTool('fx', path.join(project, 'sub'))).toMatchObject({
      version: '1.5',
      versionFrom: 'project',
      pin: { file: path.join(project, 'berth.yaml'), line: 3 },
      reference: `registry.test/fx@${D1}`,
      digest: D1,
      digestFrom: 'lock',
      lockFile: path.join(project, 'berth.lock'),
    });
    expect(await whichTool('fx@1.6', project)).toMatchObject({ versionFrom: 'command line', pin: null, reference: 'registry.test/fx:1.6', digest: null, digestFrom: null, lockFile: null });
  });

  it('the mirror a pull goes through, a docker context with no endpoint, and the warm setting', async () => {
    process.env.BERTH_REGISTRY_MIRROR = 'mirror.test:5000';
    write(path.join(recipes, 'hub.yaml'), 'name: hub\ndescription: t\nimage: library/hub:{version}\nversion: "1"\n');
    expect(await whichTool('hub', root)).toMatchObject({ reference: 'library/hub:1', mirrored: 'mirror.test:5000/library/hub:1' });
    delete process.env.DOCKER_HOST;
    process.env.DOCKER_CONTEXT = 'gone';
    expect(await whichTool('fx', root)).toMatchObject({ engine: null, engineProblem: expect.stringContaining('docker context "gone" is selected but has no endpoint') });
    write(path.join(root, 'config', 'berth', 'config.json'), '{"warm": true}\n');
    expect(await whichTool('fx', root)).toMatchObject({ warm: true, warmFrom: 'setting' });
  });

  it('stops where a run stops: no recipe', async () => {
    expect(await rejection(whichTool('zzqq', root))).toBe('no recipe for "zzqq" (see berth list)');
  });
});
