// berth outdated and berth upgrade against the harness's local registry: tags pushed for real
// (semver order, a v prefix, a -alpine suffix, pre-releases, junk), project recipes pointing at
// the registry, a docker.io image read through the registry mirror, an unreachable registry,
// and an upgrade that keeps berth.yaml's comments and re-syncs berth.lock.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { removeLocalImage } from '../harness/registry.js';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

const unique = `${process.pid}-${Date.now()}`;

/** The repositories and the tags pushed to each (all the fixture image; only the tags matter). */
const REPOSITORIES: Record<string, string[]> = {
  plain: ['1.2.0', '1.9.9', '1.10.0', '2.0.0-rc.1', 'latest', 'not-a-version', '1.10'],
  vtool: ['v0.9.0', 'v0.10.0', 'v0.11.0-beta.1', '0.12.0'],
  suffix: ['3.1.0-alpine', '3.2.0-alpine', '3.3.0', '3.4.0-rc.1-alpine', '3.5.0-slim'],
  // Read through the mirror: the recipe names docker.io.
  mirrored: ['5.0.0', '5.1.0'],
};

describe('berth outdated and berth upgrade', () => {
  let sb: Sandbox;
  let project: string;
  /** The digest each pushed reference is served with. */
  const served: Record<string, string> = {};
  const registry = () => inject('registry');
  const repo = (name: string) => `${registry()}/berth-outdated-${unique}/${name}`;
  const mirroredImage = `docker.io/berthtestmirror/outdated-${unique}`;
  const b = (args: string[], cwd = project, env: NodeJS.ProcessEnv = {}) => berth(sb, args, { cwd, env: { BERTH_REGISTRY_MIRROR: registry(), ...env } });
  const lines = (text: string) => text.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/));
  const manifest = `# the team's tools
tools:
  plain: 1.2.0 # keep in step with CI
  # the v-tagged one
  vtool: 0.9.0
  suffix: 3.1.0
  mirrored: 5.1.0
`;

  beforeAll(async () => {
    sb = makeSandbox();
    const fixture = inject('fixtureImage');
    for (const [name, tags] of Object.entries(REPOSITORIES)) {
      const target = name === 'mirrored' ? `${registry()}/berthtestmirror/outdated-${unique}` : repo(name);
      for (const tag of tags) {
        docker('tag', fixture, `${target}:${tag}`);
        docker('push', `${target}:${tag}`);
        served[`${name}:${tag}`] = docker('inspect', '--format', '{{index .RepoDigests 0}}', `${target}:${tag}`).split('@')[1]!;
        await removeLocalImage(`${target}:${tag}`);
      }
    }
    project = path.join(sb.root, 'project');
    const recipes = path.join(project, '.berth', 'recipes');
    mkdirSync(recipes, { recursive: true });
    const recipe = (name: string, image: string, version: string, versions: string[]) =>
      writeFileSync(path.join(recipes, `${name}.yaml`), stringify({ name, description: `outdated test ${name}`, image, version, versions, entrypoint: ['echo'] }));
    recipe('plain', `${repo('plain')}:{version}`, '1.2.0', ['1.2.0', '1.9.9']);
    recipe('vtool', `${repo('vtool')}:v{version}`, '0.9.0', ['0.9.0', '0.10.0']);
    recipe('suffix', `${repo('suffix')}:{version}-alpine`, '3.1.0', ['3.1.0', '3.2.0']);
    recipe('mirrored', `${mirroredImage}:{version}`, '5.1.0', ['5.1.0']);
    writeFileSync(path.join(project, 'berth.yaml'), manifest);
    const trust = await b(['trust'], project);
    expect(trust.code, trust.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    for (const [name, tags] of Object.entries(REPOSITORIES)) for (const tag of tags) await removeLocalImage(`${repo(name)}:${tag}`).catch(() => {});
  });

  it('compares each pin with the newest release in its registry: semver order, v prefix, -alpine suffix, junk and pre-releases passed over, the mirror read; exit 1', async () => {
    const r = await b(['outdated']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(lines(r.stdout.toString())).toEqual([
      ['TOOL', 'CURRENT', 'NEWEST', 'STATE', 'FROM'],
      ['plain', '1.2.0', '1.10.0', 'outdated', 'project'],
      ['vtool', '0.9.0', '0.10.0', 'outdated', 'project'],
      ['suffix', '3.1.0', '3.2.0', 'outdated', 'project'],
      ['mirrored', '5.1.0', '5.1.0', 'current', 'project'],
    ]);
  });

  it('--pre counts pre-releases; --json gives the shape of docs/json-output.md', async () => {
    const r = await b(['outdated', '--pre', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const tools = JSON.parse(r.stdout.toString()) as Array<Record<string, unknown>>;
    expect(tools.map((t) => [t.name, t.current, t.newest, t.state])).toEqual([
      ['plain', '1.2.0', '2.0.0-rc.1', 'outdated'],
      ['vtool', '0.9.0', '0.11.0-beta.1', 'outdated'],
      ['suffix', '3.1.0', '3.4.0-rc.1', 'outdated'],
      ['mirrored', '5.1.0', '5.1.0', 'current'],
    ]);
    expect(tools[3]).toEqual({ name: 'mirrored', current: '5.1.0', from: 'project', newest: '5.1.0', state: 'current', repository: `${registry()}/berthtestmirror/outdated-${unique}`, known: true });
  });

  it('exits 0 when the named tools are current; a registry that cannot be reached is one line and 125, for upgrade too (nothing written)', async () => {
    const current = await b(['outdated', 'mirrored']);
    expect([current.code, current.stderr]).toEqual([0, '']);
    const offline = await b(['outdated', 'mirrored'], project, { BERTH_REGISTRY_MIRROR: '127.0.0.1:1' });
    expect(offline.code).toBe(125);
    expect(offline.stdout.toString()).toBe('');
    expect(offline.stderr).toMatch(/^berth: registry 127\.0\.0\.1:1 is unreachable \(ECONNREFUSED: [^\n]*\)\n$/);
    const offlineUpgrade = await b(['upgrade'], project, { BERTH_REGISTRY_MIRROR: '127.0.0.1:1' });
    expect([offlineUpgrade.code, offlineUpgrade.stdout.toString()]).toEqual([125, '']);
    expect(offlineUpgrade.stderr).toMatch(/^berth: nothing upgraded: registry 127\.0\.0\.1:1 is unreachable \(ECONNREFUSED: [^\n]*\)\n$/);
    expect(readFileSync(path.join(project, 'berth.yaml'), 'utf8')).toBe(manifest);
  });

  it('upgrade --dry-run prints the changes and writes nothing', async () => {
    const r = await b(['upgrade', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe(`plain 1.2.0 -> 1.10.0\nvtool 0.9.0 -> 0.10.0\nsuffix 3.1.0 -> 3.2.0\ndry run: ${project}/berth.yaml unchanged\n`);
    expect(r.stderr).toBe(`berth: plain 1.10.0 is not among the recipe's versions; berth.lock takes its digest from the registry\n`);
    expect(readFileSync(path.join(project, 'berth.yaml'), 'utf8')).toBe(manifest);
    expect(existsSync(path.join(project, 'berth.lock'))).toBe(false);
  });

  it('upgrade moves the named pin, keeping comments and order, and locks the digest the registry serves', async () => {
    const r = await b(['upgrade', '--quiet', 'plain']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe(`plain 1.2.0 -> 1.10.0\nwrote ${project}/berth.yaml and ${project}/berth.lock\n`);
    expect(readFileSync(path.join(project, 'berth.yaml'), 'utf8')).toBe(manifest.replace('plain: 1.2.0', 'plain: 1.10.0'));
    const lock = parse(readFileSync(path.join(project, 'berth.lock'), 'utf8')) as { tools: Record<string, { version: string; image: string; digest: string }> };
    expect(lock.tools.plain).toEqual({ version: '1.10.0', image: `${repo('plain')}:1.10.0`, digest: served['plain:1.10.0'] });
    expect(lock.tools.suffix).toEqual({ version: '3.1.0', image: `${repo('suffix')}:3.1.0-alpine`, digest: served['suffix:3.1.0-alpine'] });
  });

  it('upgrade with no names moves every outdated pin; then outdated exits 0', async () => {
    const r = await b(['upgrade', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe(`vtool 0.9.0 -> 0.10.0\nsuffix 3.1.0 -> 3.2.0\nwrote ${project}/berth.yaml and ${project}/berth.lock\n`);
    expect(readFileSync(path.join(project, 'berth.yaml'), 'utf8')).toBe(
      manifest.replace('plain: 1.2.0', 'plain: 1.10.0').replace('vtool: 0.9.0', 'vtool: 0.10.0').replace('suffix: 3.1.0', 'suffix: 3.2.0'),
    );
    const check = await b(['sync', '--check']);
    expect(check.code, check.stderr).toBe(0);
    const after = await b(['outdated']);
    expect([after.code, after.stderr]).toEqual([0, '']);
    const again = await b(['upgrade']);
    expect(again.stdout.toString()).toBe('every pin is current\n');
  });

  it('outside a project, upgrade changes nothing and says the catalog moves with berth; a tool the project does not pin is refused', async () => {
    writeRecipe(sb, { name: `loose${unique.replace(/\D/g, '')}`, image: `${repo('plain')}:{version}`, version: '1.9.9' });
    const name = `loose${unique.replace(/\D/g, '')}`;
    const outside = await b(['upgrade', name], sb.work);
    expect(outside.code, outside.stderr).toBe(0);
    expect(outside.stderr).toContain("berth: not in a project: nothing is pinned, so nothing changes; the built-in recipes move with berth's own releases");
    expect(outside.stdout.toString()).toBe(`${name} 1.9.9 -> 1.10.0 (available)\n`);
    const notPinned = await b(['upgrade', name]);
    expect(notPinned.code).toBe(125);
    expect(notPinned.stderr).toBe(`berth: ${name} is not pinned in ${project}/berth.yaml: upgrade moves pins (pin it first with berth use ${name})\n`);
  });

  it("an upgrade whose sync fails puts berth.yaml back as it was and writes no berth.lock", async () => {
    const name = `rollback${unique.replace(/\D/g, '')}`;
    writeRecipe(sb, { name, image: `${repo('vtool')}:v{version}`, version: '0.9.0' });
    const other = path.join(sb.root, 'rollback');
    mkdirSync(other);
    const text = `tools:\n  ${name}: 0.9.0 # pinned on purpose\n`;
    writeFileSync(path.join(other, 'berth.yaml'), text);
    const r = await b(['upgrade', '--quiet'], other, { DOCKER_HOST: `unix://${path.join(sb.root, 'no-engine.sock')}` });
    expect(r.code).toBe(125);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^berth: sync: 1 of 1 tool failed; ${other}/berth.lock is unchanged\nberth: ${name} 0\\.10\\.0: cannot reach the Docker engine`));
    expect(readFileSync(path.join(other, 'berth.yaml'), 'utf8')).toBe(text);
    expect(existsSync(path.join(other, 'berth.lock'))).toBe(false);
  });

  it('outside a project, outdated checks the installed shims, at the version each was installed at', async () => {
    const name = `loose${unique.replace(/\D/g, '')}`;
    const shims = { BERTH_SHIM_DIR: path.join(sb.root, 'shims') };
    const none = await b(['outdated'], sb.work, shims);
    expect([none.code, none.stderr]).toEqual([0, 'berth: no tools to check: no shims are installed (name tools: berth outdated jq)\n']);
    const install = await b(['install', '--quiet', `${name}@1.2.0`], sb.work, shims);
    expect(install.code, install.stderr).toBe(0);
    const r = await b(['outdated'], sb.work, shims);
    expect([r.code, r.stderr]).toEqual([1, '']);
    expect(lines(r.stdout.toString())).toEqual([
      ['TOOL', 'CURRENT', 'NEWEST', 'STATE', 'FROM'],
      [name, '1.2.0', '1.10.0', 'outdated', 'shim'],
    ]);
  });
});
