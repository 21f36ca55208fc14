import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findOutdated } from '../../../src/app/outdated.js';
import { upgrade } from '../../../src/app/upgrade.js';
import { RegistryError } from '../../../src/runtime/registry/tags.js';
import { readFileSync } from 'node:fs';
import { recipe, recipes, rejection, root, useProject, write } from '../support/project.js';

useProject();

const saved = { recipes: process.env.BERTH_RECIPES_PATH, mirror: process.env.BERTH_REGISTRY_MIRROR };
afterEach(() => {
  for (const [key, value] of [['BERTH_RECIPES_PATH', saved.recipes], ['BERTH_REGISTRY_MIRROR', saved.mirror]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** A registry listing that records what it was asked. */
function listing(tags: Record<string, string[] | Error>) {
  const asked: string[] = [];
  return {
    asked,
    listTags: async (registry: string, repository: string) => {
      asked.push(`${registry}/${repository}`);
      const found = tags[`${registry}/${repository}`];
      if (found instanceof Error) throw found;
      return found ?? [];
    },
  };
}

describe('berth outdated (use-case)', () => {
  it("checks the project's pins in their order, lists each repository once, and says why a fixed tag cannot be checked", async () => {
    process.env.BERTH_RECIPES_PATH = recipes;
    recipe({ name: 'fx2', image: 'registry.test/fx:{version}' });
    write(path.join(root, 'berth.yaml'), 'tools:\n  vtag: "2.0"\n  fx: "1.0"\n  fx2: "1.1"\n  fixed: "1"\n');
    const registry = listing({ 'registry.test/vtag': ['v2.0', 'v2.1', 'v10.0-rc1'], 'registry.test/fx': ['1.0', '1.1'] });
    const result = await findOutdated([], root, registry);
    expect(result.scope).toBe('project');
    expect(result.tools.map((t) => [t.name, t.current, t.newest, t.state, t.from])).toEqual([
      ['vtag', '2.0', '2.1', 'outdated', 'project'],
      ['fx', '1.0', '1.1', 'outdated', 'project'],
      ['fx2', '1.1', '1.1', 'current', 'project'],
      ['fixed', '1', null, 'unknown', 'project'],
    ]);
    expect(result.tools[3]!.reason).toBe('berth cannot look for newer versions: its image registry.test/fixed:1 has no {version} in its tag');
    expect(registry.asked.sort()).toEqual(['registry.test/fx', 'registry.test/vtag']);
  });

  it('reads docker.io repositories through the mirror', async () => {
    process.env.BERTH_RECIPES_PATH = recipes;
    process.env.BERTH_REGISTRY_MIRROR = 'mirror.test:5000';
    recipe({ name: 'hub', image: 'docker.io/team/hub:{version}', version: '1.0.0' });
    const registry = listing({ 'mirror.test:5000/team/hub': ['1.0.0', '1.2.0'] });
    const result = await findOutdated(['hub'], root, registry);
    expect(result.tools[0]).toMatchObject({ newest: '1.2.0', state: 'outdated', from: 'recipe', repository: 'mirror.test:5000/team/hub' });
  });

  it('names a failing registry once, leaving its tools unknown and the others checked', async () => {
    process.env.BERTH_RECIPES_PATH = recipes;
    recipe({ name: 'fx2', image: 'registry.test/fx:{version}' });
    const down = new RegistryError('registry.test', 'registry registry.test is unreachable (ENOTFOUND: x)', true);
    const result = await findOutdated(['fx', 'fx2', 'vtag@2.0'], root, listing({ 'registry.test/fx': down, 'registry.test/vtag': ['v2.0'] }));
    expect(result.failures).toEqual(['registry registry.test is unreachable (ENOTFOUND: x)']);
    expect(result.tools.map((t) => t.state)).toEqual(['unknown', 'unknown', 'current']);
  });
});

describe('berth upgrade (use-case)', () => {
  it('--dry-run lists the changes and writes nothing; a named tool must be pinned, and takes no version', async () => {
    process.env.BERTH_RECIPES_PATH = recipes;
    const manifest = write(path.join(root, 'berth.yaml'), '# ours\ntools:\n  fx: "1.0" # why\n');
    const registry = listing({ 'registry.test/fx': ['1.0', '1.5'] });
    const result = await upgrade([], root, { ...registry, dryRun: true });
    expect(result.changes).toEqual([{ name: 'fx', from: '1.0', to: '1.5', unlisted: true }]);
    expect(readFileSync(manifest, 'utf8')).toBe('# ours\ntools:\n  fx: "1.0" # why\n');
    expect(await rejection(upgrade(['vtag'], root, registry))).toBe(`vtag is not pinned in ${manifest}: upgrade moves pins (pin it first with berth use vtag)`);
    expect(await rejection(upgrade(['fx@1.5'], root, registry))).toMatch(/^upgrade moves pins to the newest version, it takes tool names only/);
  });

  it('outside a project changes nothing and reports what it found', async () => {
    process.env.BERTH_RECIPES_PATH = recipes;
    const result = await upgrade(['fx'], root, listing({ 'registry.test/fx': ['1.0', '2.0'] }));
    expect([result.inProject, result.changes]).toEqual([false, [{ name: 'fx', from: '1.0', to: '2.0', unlisted: true }]]);
  });
});
