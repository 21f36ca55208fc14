// `berth info`'s use-case: the tool as a run here resolves it, the mirror applied, the engine asked
// (a fake here), and an untrusted project recipe handed back to be shown before its refusal.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toolInfo } from '../../../src/app/info.js';
import { BUILTIN_RECIPES, findRecipe, UntrustedRecipeError } from '../../../src/core/recipes/catalog.js';
import type { ImageState } from '../../../src/core/recipes/info.js';
import { trustProject } from '../../../src/core/workspace/trust.js';

let root: string;
let project: string;
let env: NodeJS.ProcessEnv;
const asked: string[] = [];
const cached = async (ref: string): Promise<ImageState> => {
  asked.push(ref);
  return { cached: true, size: 42 };
};

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-app-info-')));
  project = path.join(root, 'project');
  mkdirSync(path.join(project, '.berth', 'recipes'), { recursive: true });
  env = { XDG_CONFIG_HOME: path.join(root, 'config'), XDG_STATE_HOME: path.join(root, 'state') };
  for (const [key, value] of Object.entries({ ...env, BERTH_RECIPES_PATH: '', BERTH_REGISTRY_MIRROR: 'mirror.example:5000' })) vi.stubEnv(key, value);
  asked.length = 0;
});

afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(root, { recursive: true, force: true });
});

const builtin = (name: string) => findRecipe(name, [{ dir: BUILTIN_RECIPES, source: 'builtin' }]);

describe('berth info (use-case)', () => {
  it('resolves the tool as a run would, with the mirror applied, and asks the engine about that reference', async () => {
    const shown = await toolInfo('shellcheck@0.10.0', project, cached);
    if ('untrusted' in shown) throw shown.untrusted;
    expect(asked).toEqual(['mirror.example:5000/koalaman/shellcheck:v0.10.0']);
    expect(shown.info).toMatchObject({ reference: asked[0], referenceVersion: '0.10.0', referenceFrom: 'command line', cached: true, size: 42 });
    expect(shown.recipe.source).toBe('builtin');
    expect(shown.shadowed).toBeUndefined();
  });

  it('hands back a project recipe that is not trusted, with the one it would replace, and asks the engine nothing', async () => {
    writeFileSync(path.join(project, '.berth', 'recipes', 'jq.yaml'), 'name: jq\ndescription: mine\nimage: docker.io/me/jq:{version}\nversion: "1"\nnetwork: host\n');
    const shown = await toolInfo('jq', project, cached);
    if (!('untrusted' in shown)) throw new Error('an untrusted recipe was shown as trusted');
    expect(shown.untrusted).toBeInstanceOf(UntrustedRecipeError);
    expect(shown.untrusted.recipe).toMatchObject({ name: 'jq', source: 'project', network: 'host' });
    expect(shown.untrusted.shadowed).toEqual(builtin('jq'));
    expect(asked).toEqual([]);

    // Once trusted, it is the recipe shown, with the built-in it replaces.
    trustProject(project, env);
    const trusted = await toolInfo('jq', project, cached);
    if ('untrusted' in trusted) throw trusted.untrusted;
    expect(trusted.recipe).toMatchObject({ source: 'project', description: 'mine' });
    expect(trusted.shadowed).toEqual(builtin('jq'));
    expect(asked).toEqual(['mirror.example:5000/me/jq:1']);
  });

  it('throws a refusal it cannot show (the untrusted recipe does not parse) and any other fault', async () => {
    writeFileSync(path.join(project, '.berth', 'recipes', 'jq.yaml'), 'name: [\n');
    await expect(toolInfo('jq', project, cached)).rejects.toThrow(UntrustedRecipeError);
    await expect(toolInfo('no-such-tool', project, cached)).rejects.toThrow(/no recipe for "no-such-tool"/);
  });
});
