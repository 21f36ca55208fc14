// Registry credentials on a pull, end to end: a registry that wants a password (distribution's
// htpasswd auth), and berth pulling from it through the engine with the credentials it found in
// DOCKER_CONFIG, as the docker CLI would: the registry's credential helper (credHelpers), then the
// credential store (credsStore), then the plain `auths` entry. The engine has no credentials of
// its own: a pull succeeds only with those berth sends in X-Registry-Auth.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { removeRegistryImages, startRegistry, type LocalRegistry } from '../harness/registry.js';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

const USER = 'berth-user';
const PASSWORD = 'berth-test-secret';
// bcrypt (cost 5) of PASSWORD, made once with Python's crypt.crypt(PASSWORD, mksalt(METHOD_BLOWFISH,
// rounds=32)): the registry's htpasswd takes bcrypt only, and no tool the tests install makes it.
const PASSWORD_BCRYPT = '$2b$05$FV.B7iJrtTkasruAoFBeDuVMkn7EgP7spe31i/XWxCSHPScSm9Uxm';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// The pull comes from a local registry the engine reaches as an insecure one: Docker only (as
// run.test.ts's images).
describe('registry credentials on a pull', () => {
  let registry: LocalRegistry;
  let sb: Sandbox;
  let ref: string;
  let n = 0;

  beforeAll(async () => {
    registry = await startRegistry(30_000, { htpasswd: `${USER}:${PASSWORD_BCRYPT}\n` });
    sb = makeSandbox();
    ref = `${registry.host}/berth-test/private-${process.pid}:1`;
    // The push logs in with a docker config of its own (the host's is never touched).
    const pusher = path.join(sb.root, 'pusher-config');
    mkdirSync(pusher);
    execFileSync('docker', ['--config', pusher, 'login', '-u', USER, '--password-stdin', registry.host], { input: PASSWORD, stdio: ['pipe', 'ignore', 'pipe'] });
    docker('tag', inject('fixtureImage'), ref);
    docker('--config', pusher, 'push', ref);
    docker('rmi', ref);
    writeRecipe(sb, { name: 'private', image: ref });
  });

  afterAll(async () => {
    await registry?.stop();
    if (registry) await removeRegistryImages(registry.host);
  });

  /**
   * A docker config directory of its own, with `config` as its config.json and a bin directory of
   * credential helpers: each named one answers the docker-credential protocol (`get`, the
   * registry on stdin, JSON on stdout) with `user:password` for this registry only (with '', for
   * none: "credentials not found", exit 1, as docker's helpers say it), and notes in `<name>.asked`
   * each registry it was asked for.
   */
  function dockerConfig(config: object, helpers: Record<string, string> = {}): { env: NodeJS.ProcessEnv; asked: (helper: string) => string } {
    const dir = path.join(sb.root, `docker-config-${++n}`);
    const bin = path.join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    for (const [name, credentials] of Object.entries(helpers)) {
      const [user, secret] = credentials.split(':');
      writeFileSync(
        path.join(bin, `docker-credential-${name}`),
        [
          '#!/bin/sh',
          '[ "$1" = get ] || { echo "unsupported: $1" >&2; exit 1; }',
          'read -r server',
          `printf '%s\\n' "$server" >> '${path.join(dir, `${name}.asked`)}'`,
          `if [ -n '${credentials}' ] && [ "$server" = '${registry.host}' ]; then`,
          `  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' "$server" '${user}' '${secret}'`,
          'else',
          '  echo "credentials not found in native keychain"',
          '  exit 1',
          'fi',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
    }
    const asked = (helper: string) => {
      const file = path.join(dir, `${helper}.asked`);
      return existsSync(file) ? readFileSync(file, 'utf8') : '';
    };
    return { env: { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` }, asked };
  }

  const auth = (user: string, password: string) => ({ auth: Buffer.from(`${user}:${password}`).toString('base64') });

  /** A pull (always, so that each test pulls) and a run of the private image. */
  const pull = (env: NodeJS.ProcessEnv) => berth(sb, ['run', '--pull', 'always', '-q', 'private', 'echo', 'pulled'], { env });

  it('without credentials the registry refuses the pull: one line saying how to log in, exit 125', async () => {
    const r = await pull(dockerConfig({}).env);
    expect([r.code, r.stdout.toString()]).toEqual([125, '']);
    const quoted = (text: string) => text.replace(/[.]/g, '\\.');
    expect(r.stderr).toMatch(new RegExp(`^berth: pulling ${quoted(ref)}: .*no basic auth credentials \\(the registry refused: log in with docker login ${quoted(registry.host)};.*\\)\\n$`));
  });

  it('pulls with the `auths` entry of config.json (as docker login writes it)', async () => {
    const r = await pull(dockerConfig({ auths: { [registry.host]: auth(USER, PASSWORD) } }).env);
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, 'pulled\n', '']);
    // A wrong password there is refused: the registry checks what berth sent.
    const wrong = await pull(dockerConfig({ auths: { [registry.host]: auth(USER, 'not-the-password') } }).env);
    expect(wrong.code).toBe(125);
    expect(wrong.stderr).toContain('the registry refused');
  });

  it('pulls with the credential store (credsStore), before the auths entry', async () => {
    const config = dockerConfig({ credsStore: 'store', auths: { [registry.host]: auth(USER, 'not-the-password') } }, { store: `${USER}:${PASSWORD}` });
    const r = await pull(config.env);
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, 'pulled\n', '']);
    expect(config.asked('store')).toBe(`${registry.host}\n`);
  });

  it("pulls with the registry's credential helper (credHelpers), before the store", async () => {
    // The store would answer wrongly: it must not be asked.
    const config = dockerConfig(
      { credHelpers: { [registry.host]: 'helper' }, credsStore: 'store', auths: { [registry.host]: auth(USER, 'not-the-password') } },
      { helper: `${USER}:${PASSWORD}`, store: `${USER}:not-the-password` },
    );
    const r = await pull(config.env);
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, 'pulled\n', '']);
    expect([config.asked('helper'), config.asked('store')]).toEqual([`${registry.host}\n`, '']);
  });

  it("goes on to the store when the registry's helper has nothing for it, and asks no other registry's helper", async () => {
    const config = dockerConfig(
      { credHelpers: { [registry.host]: 'empty', 'other.example': 'other' }, credsStore: 'store' },
      { empty: '', other: `${USER}:not-the-password`, store: `${USER}:${PASSWORD}` },
    );
    const r = await pull(config.env);
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, 'pulled\n', '']);
    expect([config.asked('empty'), config.asked('other'), config.asked('store')]).toEqual([`${registry.host}\n`, '', `${registry.host}\n`]);
  });

  afterAll(() => rmSync(sb.root, { recursive: true, force: true }));
});
