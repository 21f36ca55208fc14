// Package backends against the real engine: `npm:` installs a real package from the npm registry
// inside the build (through this machine's TLS-intercepting proxy: it works only with the host's
// CA certificates, so it proves them too), `apt:` installs from Debian's archive; both build on
// the harness's local bases through BERTH_BASE_IMAGE (no container registry is reachable here,
// as for an air-gapped user). Later runs use the built image with no network; every run
// semantic (cwd, uid, streams, exit codes, warm) holds for a package as for a recipe.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNodeBase } from '../harness/node-base.js';
import { ensureStandinBase } from '../harness/standins-setup.js';
import { berth, makeSandbox, OTHER_UID, type Sandbox } from '../support/berth.js';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** The ids of the build images of a package's tool, by berth's label. */
function buildImages(tool: string): string[] {
  return docker('images', '-q', '--no-trunc', '--filter', `label=berth.build=${tool}`).split('\n').filter(Boolean);
}

/** A registry that cannot answer: a run that asked it would fail. */
const NO_REGISTRY = { npm_config_registry: 'http://127.0.0.1:9/', HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' };

describe('package backends', () => {
  let sb: Sandbox;
  let nodeBase: string;
  let debianBase: string;
  const tools = ['npm-cowsay', 'npm-cowsay.cowthink', 'apt-gifsicle', 'apt-coreutils.id', 'apt-coreutils.pwd', 'apt-coreutils.false', 'apt-coreutils.cat'];
  const npm = (args: string[], env: NodeJS.ProcessEnv = {}) => berth(sb, args, { env: { BERTH_BASE_IMAGE: nodeBase, ...env }, timeoutMs: 300_000 });
  const apt = (args: string[], env: NodeJS.ProcessEnv = {}, box = sb) => berth(box, args, { env: { BERTH_BASE_IMAGE: debianBase, ...env }, timeoutMs: 300_000, cwd: box.work });

  beforeAll(async () => {
    debianBase = await ensureStandinBase();
    nodeBase = await ensureNodeBase();
    sb = makeSandbox();
    for (const tool of tools) for (const id of buildImages(tool)) execFileSync('docker', ['rmi', '-f', id], { stdio: 'ignore' });
  });

  afterAll(() => {
    for (const tool of tools) for (const id of buildImages(tool)) execFileSync('docker', ['rmi', '-f', id], { stdio: 'ignore' });
  });

  it('npm: installs a real package from the registry in the build (with the host CA), then runs its command', async () => {
    const first = await npm(['run', 'npm:cowsay@1.6.0', 'hello']);
    expect(first.stderr).toMatch(/building npm-cowsay \(berth-build\/npm-cowsay:[a-f0-9]{32}\)/);
    expect(first.stderr).toContain("npm install --global --prefix /opt/berth/npm");
    expect(first.stdout.toString()).toContain('< hello >');
    expect(first.code).toBe(0);
    // The image keeps no CA variable of the build's: they were build arguments, not ENV.
    const [id] = buildImages('npm-cowsay');
    expect(docker('image', 'inspect', '--format', '{{json .Config.Env}}', id!)).not.toContain('NODE_EXTRA_CA_CERTS');
  });

  it('npm: a spec with no version runs an exact one, asked of the registry once; later runs need no network', async () => {
    const planned = await npm(['run', '--dry-run', 'npm:cowsay', 'moo']);
    expect(planned.code).toBe(0);
    const version = /berth\.version=(\S+)/.exec(planned.stdout.toString())?.[1];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const ran = await npm(['run', '-q', 'npm:cowsay', 'moo']);
    expect(ran.stdout.toString()).toContain('< moo >');
    // No registry, no proxy that works: the remembered version and the built image serve the run.
    const offline = await npm(['run', '--pull', 'never', 'npm:cowsay', 'again'], NO_REGISTRY);
    expect(offline.stderr).toBe('');
    expect(offline.stdout.toString()).toContain('< again >');
    expect(offline.code).toBe(0);
    // --pull always asks the registry again: here it cannot, and says so in one line (125).
    const refreshed = await npm(['run', '--pull', 'always', 'npm:cowsay', 'x'], NO_REGISTRY);
    expect(refreshed.code).toBe(125);
    expect(refreshed.stderr).toMatch(/^berth: npm:cowsay: cannot ask http:\/\/127\.0\.0\.1:9 for its latest version: .*\n$/);
  });

  it('npm: stdin reaches the command, and the host proxy and CA variables reach a tool with network only', async () => {
    const piped = await npm(['run', '-q', 'npm:cowsay@1.6.0'], {});
    expect(piped.code).toBe(0);
    const fed = await berth(sb, ['run', '-q', 'npm:cowsay@1.6.0'], { env: { BERTH_BASE_IMAGE: nodeBase }, input: 'from stdin\n' });
    expect(fed.stdout.toString()).toContain('< from stdin >');
    const proxy = { HTTPS_PROXY: 'http://proxy.example:3128', no_proxy: 'localhost' };
    const none = (await npm(['run', '--dry-run', 'npm:cowsay@1.6.0'], proxy)).stdout.toString();
    expect(none).not.toContain('proxy.example');
    expect(none).not.toContain('/etc/berth/host-ca.pem');
    const bridged = (await npm(['run', '--dry-run', '--network', 'bridge', 'npm:cowsay@1.6.0'], proxy)).stdout.toString();
    expect(bridged).toContain('-e HTTPS_PROXY=http://proxy.example:3128 -e https_proxy=http://proxy.example:3128');
    expect(bridged).toContain('-e NO_PROXY=localhost -e no_proxy=localhost');
    expect(bridged).toMatch(/source=\S+\/berth\/trust\/host-ca\.pem,target=\/etc\/berth\/host-ca\.pem,readonly/);
    expect(bridged).toContain('-e NODE_EXTRA_CA_CERTS=/etc/berth/host-ca.pem');
    const off = (await npm(['run', '--dry-run', '--network', 'bridge', '--no-host-ca', 'npm:cowsay@1.6.0'], proxy)).stdout.toString();
    expect(off).toContain('-e HTTPS_PROXY=http://proxy.example:3128');
    expect(off).not.toContain('host-ca.pem');
  });

  it('apt: installs from Debian\'s archive on the local base, at a version when asked; cached runs need no build', async () => {
    const first = await apt(['run', 'apt:gifsicle', '--version']);
    expect(first.stderr).toMatch(/building apt-gifsicle/);
    expect(first.stdout.toString()).toMatch(/^LCDF Gifsicle 1\.93\n/);
    expect(first.code).toBe(0);
    const again = await apt(['run', '--pull', 'never', 'apt:gifsicle', '--version'], NO_REGISTRY);
    expect(again.stderr).toBe('');
    expect(again.stdout.toString()).toMatch(/^LCDF Gifsicle 1\.93\n/);
    const pinned = await apt(['run', '-q', 'apt:gifsicle@1.93-2', '--version']);
    expect(pinned.stdout.toString()).toMatch(/^LCDF Gifsicle 1\.93\n/);
    expect(pinned.code).toBe(0);
    expect(buildImages('apt-gifsicle')).toHaveLength(2);
  });

  it('apt: --bin picks a command; cwd, uid, exit codes and streams are a run\'s', async () => {
    writeFileSync(path.join(sb.work, 'in.txt'), 'file content\n');
    const cwd = await apt(['run', '-q', '--bin', 'pwd', 'apt:coreutils']);
    expect(cwd.stdout.toString()).toBe(`${sb.work}\n`);
    const cat = await berth(sb, ['run', '-q', '--bin', 'cat', 'apt:coreutils', 'in.txt', '-'], { env: { BERTH_BASE_IMAGE: debianBase }, cwd: sb.work, input: 'stdin content\n' });
    expect(cat.stdout.toString()).toBe('file content\nstdin content\n');
    const failed = await apt(['run', '-q', '--bin', 'false', 'apt:coreutils']);
    expect(failed.code).toBe(1);
    const other = makeSandbox({ uid: OTHER_UID });
    const id = await apt(['run', '-q', '--bin', 'id', 'apt:coreutils', '-u'], {}, other);
    expect(id.stdout.toString()).toBe(`${OTHER_UID}\n`);
    expect(id.code).toBe(0);
    const warm = await apt(['run', '-q', '--warm', '--bin', 'cat', 'apt:coreutils', 'in.txt']);
    expect(warm.stdout.toString()).toBe('file content\n');
    const warmAgain = await apt(['run', '-q', '--warm', '--bin', 'cat', 'apt:coreutils', 'in.txt']);
    expect(warmAgain.stdout.toString()).toBe('file content\n');
    await apt(['warm', 'stop']);
  });

  it('berth.yaml pins a package (berth use, sync, berth.lock, sync --check); berth install puts its command on PATH as a shim; list --installed names the package', async () => {
    const project = path.join(sb.root, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  "npm:cowsay": 1.6.0\n');
    const pinned = await berth(sb, ['run', '--dry-run', 'npm:cowsay'], { cwd: project, env: { BERTH_BASE_IMAGE: nodeBase, ...NO_REGISTRY } });
    expect(pinned.stdout.toString()).toContain('berth.version=1.6.0');
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  "npm:cowsay": ^1\n');
    const badPin = await berth(sb, ['run', 'npm:cowsay'], { cwd: project, env: { BERTH_BASE_IMAGE: nodeBase } });
    expect(badPin.code).toBe(1);
    expect(badPin.stderr).toBe(`${path.join(project, 'berth.yaml')}:2: tools.npm:cowsay: "^1" is not a version (expected e.g. 1.2.3)\n`);

    // berth use pins the exact version the registry names; sync builds it and locks the built image.
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n');
    const used = await berth(sb, ['use', 'npm:cowsay'], { cwd: project, env: { BERTH_BASE_IMAGE: nodeBase } });
    expect(used.code).toBe(0);
    expect(readFileSync(path.join(project, 'berth.yaml'), 'utf8')).toMatch(/^tools:\n {2}npm:cowsay: \d+\.\d+\.\d+\n$/);
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  "npm:cowsay": 1.6.0\n');
    const synced = await berth(sb, ['sync', '-q'], { cwd: project, env: { BERTH_BASE_IMAGE: nodeBase }, timeoutMs: 300_000 });
    expect(synced.code).toBe(0);
    const lock = readFileSync(path.join(project, 'berth.lock'), 'utf8');
    expect(lock).toMatch(/ {2}npm:cowsay:\n {4}version: 1\.6\.0\n {4}image: berth-build\/npm-cowsay:[0-9a-f]{32}\n {4}digest: sha256:[0-9a-f]{64}\n/);
    expect((await berth(sb, ['sync', '--check'], { cwd: project, env: { BERTH_BASE_IMAGE: nodeBase } })).code).toBe(0);
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  "npm:cowsay": 1.5.0\n');
    const stale = await berth(sb, ['sync', '--check'], { cwd: project, env: { BERTH_BASE_IMAGE: nodeBase } });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('tools.npm:cowsay.version: 1.6.0, but');

    const shims = path.join(sb.root, 'shims');
    const env = { BERTH_BASE_IMAGE: nodeBase, BERTH_SHIM_DIR: shims };
    const installed = await berth(sb, ['install', '-q', 'npm:cowsay@1.6.0'], { env, timeoutMs: 300_000 });
    expect(installed.code).toBe(0);
    expect(installed.stdout.toString()).toContain(`installed npm:cowsay@1.6.0 -> ${path.join(shims, 'cowsay')}`);
    const other = await berth(sb, ['install', '-q', '--bin', 'cowthink', 'npm:cowsay@1.6.0'], { env, timeoutMs: 300_000 });
    expect(other.code).toBe(0);
    const said = execFileSync(path.join(shims, 'cowsay'), ['via shim'], { env: { ...sb.env, ...env }, cwd: sb.work, encoding: 'utf8' });
    expect(said).toContain('< via shim >');
    const thought = execFileSync(path.join(shims, 'cowthink'), ['hmm'], { env: { ...sb.env, ...env }, cwd: sb.work, encoding: 'utf8' });
    expect(thought).toContain('( hmm )');
    const list = await berth(sb, ['list', '--installed'], { env });
    expect(list.stdout.toString().split('\n').map((l) => l.split(/\s+/))).toEqual([
      ['NAME', 'VERSION', 'PATH'],
      ['cowsay', 'npm:cowsay@1.6.0', path.join(shims, 'cowsay')],
      ['cowthink', 'npm:cowsay@1.6.0', path.join(shims, 'cowthink')],
      [''],
    ]);
    const json = JSON.parse((await berth(sb, ['list', '--installed', '--json'], { env })).stdout.toString()) as unknown[];
    expect(json).toContainEqual({ name: 'cowsay', version: null, path: path.join(shims, 'cowsay'), package: 'npm:cowsay@1.6.0' });
    // apt: the shim is named after the package unless --bin says otherwise.
    const apt = await berth(sb, ['install', '-q', 'apt:gifsicle'], { env: { ...env, BERTH_BASE_IMAGE: debianBase }, timeoutMs: 300_000 });
    expect(apt.code).toBe(0);
    const version = execFileSync(path.join(shims, 'gifsicle'), ['--version'], { env: { ...sb.env, ...env, BERTH_BASE_IMAGE: debianBase }, cwd: sb.work, encoding: 'utf8' });
    expect(version).toMatch(/^LCDF Gifsicle 1\.93\n/);
  });

  it('bad specs: one line, and nothing run', async () => {
    const bad = await npm(['run', 'npm:@@bad']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/^berth: npm:@@bad: .* is not an npm package name .*\n$/);
    const missing = await apt(['run', '-q', 'apt:nonexistent-pkg']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("berth: apt:nonexistent-pkg: no such package in Debian's archive\n");
    const several = await apt(['run', '-q', 'apt:coreutils']);
    expect(several.code).toBe(1);
    expect(several.stderr).toMatch(/^berth: apt:coreutils has several commands: .* \(pick one with --bin NAME\)\n$/);
    const planned = await npm(['run', 'pip:ruff']);
    expect(planned.code).toBe(125);
    expect(planned.stderr).toBe('berth: pip:ruff: pip: packages are not supported yet (berth has apt:, npm:; see the roadmap in the README)\n');
  });
});
