// `berth config get|set|unset|list`: stored where every run reads it, refusing unknown keys and bad
// values with the valid ones, and taking effect in runs and installs.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { removeLocalImage } from '../harness/registry.js';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

describe('berth config', () => {
  let sb: Sandbox;
  const config = (...args: string[]) => berth(sb, ['config', ...args]);
  const file = () => path.join(sb.config, 'berth', 'config.json');

  beforeAll(() => {
    sb = makeSandbox();
  });

  it('sets, gets, lists and unsets, in $XDG_CONFIG_HOME/berth/config.json', async () => {
    const shown = (lines: string[][]) => {
      const width = Math.max(...lines.map(([kv]) => kv!.length));
      return lines.map(([kv, source]) => `${kv!.padEnd(width)}  (${source})\n`).join('');
    };
    expect((await config('list')).stdout.toString()).toBe(
      shown([[`shimDir=${sb.root}/.local/bin`, 'the default'], ['pullPolicy=missing', 'the default'], ['registryMirror=', 'not set'], ['warm=', 'not set'], ['warmIdleMinutes=10', 'the default'], ['safeDirectories=', 'not set'], ['hostCa=true', 'the default'], ['toolPlatforms=', 'not set']]),
    );
    const set = await config('set', 'pullPolicy', 'always');
    expect([set.code, set.stdout.toString()]).toEqual([0, 'pullPolicy=always\n']);
    expect((await config('set', 'shimDir', '~/my-bin')).stdout.toString()).toBe(`shimDir=${sb.root}/my-bin\n`);
    await config('set', 'registryMirror', 'mirror.example.com:5000');
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({ pullPolicy: 'always', shimDir: `${sb.root}/my-bin`, registryMirror: 'mirror.example.com:5000' });
    const get = await config('get', 'pullPolicy');
    expect([get.code, get.stdout.toString()]).toEqual([0, 'always\n']);
    expect((await config('list')).stdout.toString()).toBe(
      shown([[`shimDir=${sb.root}/my-bin`, 'set'], ['pullPolicy=always', 'set'], ['registryMirror=mirror.example.com:5000', 'set'], ['warm=', 'not set'], ['warmIdleMinutes=10', 'the default'], ['safeDirectories=', 'not set'], ['hostCa=true', 'the default'], ['toolPlatforms=', 'not set']]),
    );
    // A variable wins over the file; set empty, it turns the setting off.
    const byEnv = await berth(sb, ['config', 'get', 'registryMirror'], { env: { BERTH_REGISTRY_MIRROR: 'other.example.com' } });
    expect([byEnv.code, byEnv.stdout.toString(), byEnv.stderr]).toEqual([0, 'other.example.com\n', 'berth: registryMirror: from BERTH_REGISTRY_MIRROR\n']);
    const off = await berth(sb, ['config', 'get', 'registryMirror'], { env: { BERTH_REGISTRY_MIRROR: '' } });
    expect([off.code, off.stdout.toString(), off.stderr]).toEqual([1, '', 'berth: registryMirror is not set (turned off by BERTH_REGISTRY_MIRROR=)\n']);
    expect(JSON.parse((await config('list', '--json')).stdout.toString())).toEqual({ shimDir: `${sb.root}/my-bin`, pullPolicy: 'always', registryMirror: 'mirror.example.com:5000' });
    expect((await config('set', 'warm', 'true')).stdout.toString()).toBe('warm=true\n');
    expect((await config('set', 'warmIdleMinutes', '2.5')).stdout.toString()).toBe('warmIdleMinutes=2.5\n');
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toMatchObject({ warm: true, warmIdleMinutes: 2.5 });
    expect((await config('get', 'warm')).stdout.toString()).toBe('true\n');
    for (const key of ['pullPolicy', 'shimDir', 'registryMirror', 'warm', 'warmIdleMinutes']) expect((await config('unset', key)).stdout.toString()).toBe(`unset ${key}\n`);
    expect((await config('unset', 'pullPolicy')).stdout.toString()).toBe('pullPolicy was not set\n');
    const unsetGet = await config('get', 'pullPolicy');
    expect([unsetGet.code, unsetGet.stdout.toString(), unsetGet.stderr]).toEqual([0, 'missing\n', 'berth: pullPolicy: the default\n']);
    const noDefault = await config('get', 'registryMirror');
    expect([noDefault.code, noDefault.stdout.toString(), noDefault.stderr]).toEqual([1, '', 'berth: registryMirror is not set\n']);
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({});
  });

  it('refuses an unknown key with the list of valid keys, exit 1', async () => {
    for (const args of [['set', 'pullpolicy', 'always'], ['get', 'nope'], ['unset', 'nope']]) {
      const r = await config(...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`berth: unknown setting "${args[1]}"; valid settings: shimDir, pullPolicy, registryMirror, warm, warmIdleMinutes, safeDirectories, hostCa, toolPlatforms\n`);
    }
  });

  it('refuses a bad value with the valid values, exit 1, and leaves the file alone', async () => {
    await config('set', 'pullPolicy', 'never');
    const cases: Array<[string, string, string]> = [
      ['pullPolicy', 'sometimes', 'berth: bad value for pullPolicy: "sometimes" is not a pull policy; valid values: missing, always, never\n'],
      ['registryMirror', 'https://mirror/x', 'berth: bad value for registryMirror: "https://mirror/x" is not host[:port]; valid values: host[:port] of a registry mirror for docker.io images, e.g. mirror.example.com:5000\n'],
      ['registryMirror', 'host:99999', 'berth: bad value for registryMirror: "host:99999" is not host[:port]; valid values: host[:port] of a registry mirror for docker.io images, e.g. mirror.example.com:5000\n'],
      ['warm', 'yes', 'berth: bad value for warm: "yes" is not true or false; valid values: true, false\n'],
      ['warmIdleMinutes', '0', 'berth: bad value for warmIdleMinutes: "0" is not a number of minutes greater than 0; valid values: a number of minutes greater than 0, e.g. 10\n'],
      ['shimDir', 'relative/bin', 'berth: bad value for shimDir: "relative/bin" is not an absolute path; valid values: an absolute directory path (~/ is expanded), e.g. ~/.local/bin\n'],
    ];
    for (const [key, value, message] of cases) {
      const r = await config('set', key, value);
      expect([r.code, r.stderr]).toEqual([1, message]);
    }
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({ pullPolicy: 'never' });
    await config('unset', 'pullPolicy');
  });

  it('reports entries of a hand-edited file that are not valid settings, which runs ignore', async () => {
    writeFileSync(file(), JSON.stringify({ pullPolicy: 'sometimes', colour: 'blue', registryMirror: 'ok.example:1' }));
    const r = await config('list');
    // The invalid pullPolicy is ignored: the default applies, as in a run.
    expect(r.stdout.toString()).toMatch(/^pullPolicy=missing +\(the default\)$/m);
    expect(r.stdout.toString()).toMatch(/^registryMirror=ok\.example:1 +\(set\)$/m);
    expect(JSON.parse((await config('list', '--json')).stdout.toString())).toEqual({ registryMirror: 'ok.example:1' });
    expect(r.stderr).toBe(
      `berth: ${file()}: pullPolicy: "sometimes" is not valid (valid values: missing, always, never); it is ignored\nberth: ${file()}: colour: not a setting (valid: shimDir, pullPolicy, registryMirror, warm, warmIdleMinutes, safeDirectories, hostCa, toolPlatforms)\n`,
    );
    writeFileSync(file(), '{}');
  });

  it('shimDir set via config is where install writes shims (BERTH_SHIM_DIR still wins)', async () => {
    writeRecipe(sb, { name: 'cfg-fx', image: inject('fixtureImage') });
    const dir = path.join(sb.root, 'configured-bin');
    await config('set', 'shimDir', dir);
    const r = await berth(sb, ['install', '--no-pull', 'cfg-fx']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'cfg-fx'))).toBe(true);
    const override = path.join(sb.root, 'env-bin');
    await berth(sb, ['install', '--no-pull', 'cfg-fx'], { env: { BERTH_SHIM_DIR: override } });
    expect(existsSync(path.join(override, 'cfg-fx'))).toBe(true);
    await config('unset', 'shimDir');
  });

  it('pullPolicy set via config takes effect in a run: never refuses to pull, always pulls a cached image', async () => {
    const ref = `${inject('registry')}/berth-test/cfg-pull-${process.pid}-${Date.now()}:1`;
    docker('tag', inject('fixtureImage'), ref);
    docker('push', ref);
    await removeLocalImage(ref);
    writeRecipe(sb, { name: 'cfg-pull', image: ref });
    await config('set', 'pullPolicy', 'never');
    const never = await berth(sb, ['run', 'cfg-pull', 'echo', 'ok']);
    expect(never.code).toBe(125);
    expect(never.stderr).toContain(`docker pull ${ref}`);
    await config('set', 'pullPolicy', 'missing');
    const first = await berth(sb, ['run', 'cfg-pull', 'echo', 'ok']);
    expect([first.stdout.toString(), first.stderr]).toEqual(['ok\n', `berth: pulling ${ref}\n`]);
    const cached = await berth(sb, ['run', 'cfg-pull', 'echo', 'ok']);
    expect(cached.stderr).toBe('');
    await config('set', 'pullPolicy', 'always');
    const always = await berth(sb, ['run', 'cfg-pull', 'echo', 'ok']);
    expect([always.stdout.toString(), always.stderr]).toEqual(['ok\n', `berth: pulling ${ref}\n`]);
    await config('unset', 'pullPolicy');
    await removeLocalImage(ref);
  });

  it('registryMirror set via config takes effect in a run: docker.io images come from the mirror', async () => {
    const name = `berth-test/cfg-mirror-${process.pid}-${Date.now()}`;
    const mirrored = `${inject('registry')}/${name}:1`;
    docker('tag', inject('fixtureImage'), mirrored);
    docker('push', mirrored);
    await removeLocalImage(mirrored);
    writeRecipe(sb, { name: 'cfg-mirror', image: `docker.io/${name}:1` });
    await config('set', 'registryMirror', inject('registry'));
    const r = await berth(sb, ['run', 'cfg-mirror', 'echo', 'via mirror']);
    expect(r.stdout.toString()).toBe('via mirror\n');
    expect(r.stderr).toBe(`berth: pulling ${mirrored}\n`);
    await config('unset', 'registryMirror');
    await removeLocalImage(mirrored);
  });
});
