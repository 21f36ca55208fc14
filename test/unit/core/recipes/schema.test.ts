import { describe, expect, it } from 'vitest';
import { recipeSchema } from '../../../../src/core/recipes/schema.js';

const MINIMAL = { name: 'tool', description: 'A tool', image: 'docker.io/example/tool:{version}', version: '1.2.3' };

/** The path of the first field the schema refuses in `fields`, or undefined when it accepts them. */
function refused(fields: Record<string, unknown>): string | undefined {
  const result = recipeSchema().safeParse(fields);
  return result.success ? undefined : result.error.issues[0]!.path.join('.');
}

describe('the recipe schema', () => {
  it('needs a name, a description, an image and a version, and fills in the rest', () => {
    expect(recipeSchema().parse(MINIMAL)).toEqual({
      ...MINIMAL, tags: [], args: [], network: 'none', env: [], home: [], user: 'host', tty: 'auto', warm: false, examples: [],
    });
    for (const field of Object.keys(MINIMAL)) {
      const { [field]: _, ...without } = MINIMAL as Record<string, unknown>;
      expect(refused(without), field).toBe(field);
    }
  });

  it('refuses a field it does not know (a typo must not pass unseen)', () => {
    expect(refused({ ...MINIMAL, netwrok: 'host' })).toBe('');
  });

  it('takes names of lowercase letters, digits, ".", "_" and "-" only, starting with a letter or digit', () => {
    for (const name of ['jq', 'yt-dlp', 'markdownlint-cli2', 'python3.13', '7z']) expect(refused({ ...MINIMAL, name }), name).toBeUndefined();
    for (const name of ['Jq', '-jq', '.jq', 'a/b', '../x', 'j q', '']) expect(refused({ ...MINIMAL, name }), name).toBe('name');
  });

  it('takes versions that can be part of a tag, and only sha256 digests', () => {
    for (const version of ['1.2.3', 'v0.11.0', '7.1.2-12', '2025.10.22', '1.0+build']) expect(refused({ ...MINIMAL, version }), version).toBeUndefined();
    for (const version of ['', '-1', '1 2', '1/2']) expect(refused({ ...MINIMAL, version }), version).toBe('version');
    expect(refused({ ...MINIMAL, versions: ['1.2.3', 'bad version'] })).toBe('versions.1');
    expect(refused({ ...MINIMAL, digest: `sha256:${'a'.repeat(64)}` })).toBeUndefined();
    for (const digest of [`sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(63)}`, `sha512:${'a'.repeat(64)}`]) expect(refused({ ...MINIMAL, digest }), digest).toBe('digest');
  });

  it('runs either a script or an entrypoint with args, not both', () => {
    expect(refused({ ...MINIMAL, script: 'exec tool "$@"' })).toBeUndefined();
    expect(refused({ ...MINIMAL, entrypoint: ['/bin/tool'], args: ['-q'] })).toBeUndefined();
    expect(refused({ ...MINIMAL, script: 'exec tool', entrypoint: ['/bin/tool'] })).toBe('script');
    expect(refused({ ...MINIMAL, script: 'exec tool', args: ['-q'] })).toBe('script');
    expect(refused({ ...MINIMAL, entrypoint: [] })).toBe('entrypoint');
  });

  it('passes environment variables by name only', () => {
    expect(refused({ ...MINIMAL, env: ['GITHUB_TOKEN', 'http_proxy', '_X1'] })).toBeUndefined();
    for (const name of ['A=1', '1A', 'lower-dash', '']) expect(refused({ ...MINIMAL, env: [name] }), name).toBe('env.0');
  });

  it("gives a tool paths under the user's home, never the home itself or a way out of it", () => {
    expect(refused({ ...MINIMAL, home: ['.aws', '.kube/config', '.netrc:rw', '.config/gh:rw'] })).toBeUndefined();
    for (const entry of ['.', './', '.:rw', '..', '../x', '.aws/../..', '/etc', '.aws:ro', 'a\0b']) expect(refused({ ...MINIMAL, home: [entry] }), entry).toBe('home.0');
  });

  it('takes only the networks, users and TTY modes berth knows', () => {
    expect(refused({ ...MINIMAL, network: 'bridge', user: 'image', tty: 'never', warm: true })).toBeUndefined();
    expect(refused({ ...MINIMAL, network: 'internet' })).toBe('network');
    expect(refused({ ...MINIMAL, user: 'root' })).toBe('user');
    expect(refused({ ...MINIMAL, tty: 'yes' })).toBe('tty');
    expect(refused({ ...MINIMAL, homepage: 'not a url' })).toBe('homepage');
  });
});
