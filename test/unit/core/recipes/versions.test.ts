import { describe, expect, it } from 'vitest';
import { newestVersion, semverOf, tagTemplate, versionOfTag } from '../../../../src/core/recipes/versions.js';

describe('tag templates', () => {
  it('takes the prefix and suffix around {version} in the tag, registry ports and all', () => {
    expect(tagTemplate('docker.io/koalaman/shellcheck:v{version}')).toEqual({ repository: 'docker.io/koalaman/shellcheck', prefix: 'v', suffix: '' });
    expect(tagTemplate('localhost:5000/a/b:{version}-alpine')).toEqual({ repository: 'localhost:5000/a/b', prefix: '', suffix: '-alpine' });
  });

  it('says why there is no template: a fixed tag, no tag, {version} twice or outside the tag', () => {
    expect(tagTemplate('docker.io/a/b:latest')).toEqual({ reason: 'its image docker.io/a/b:latest has no {version} in its tag' });
    expect(tagTemplate('localhost:5000/a/b')).toHaveProperty('reason');
    expect(tagTemplate('a/b:{version}-{version}')).toEqual({ reason: 'its image a/b:{version}-{version} puts {version} in more than one place' });
    expect(tagTemplate('a/b{version}:{version}')).toHaveProperty('reason');
  });

  it('reads the version out of a fitting tag only', () => {
    const t = { prefix: 'v', suffix: '-alpine' };
    expect(versionOfTag(t, 'v1.2.3-alpine')).toBe('1.2.3');
    expect(versionOfTag(t, 'v1.2.3-rc.1-alpine')).toBe('1.2.3-rc.1');
    expect(['1.2.3-alpine', 'v1.2.3', 'v-alpine', 'v1.2.3-alpine\n', `v${'1'.repeat(200)}-alpine`, 'v../x-alpine']).toEqual(
      ['1.2.3-alpine', 'v1.2.3', 'v-alpine', 'v1.2.3-alpine\n', `v${'1'.repeat(200)}-alpine`, 'v../x-alpine'].filter((tag) => versionOfTag(t, tag) === undefined),
    );
  });
});

describe('the newest version', () => {
  const plain = { prefix: '', suffix: '' };

  it('orders as semver does (1.10.0 after 1.9.9), not as strings', () => {
    expect(newestVersion('1.2.0', ['1.2.0', '1.9.9', '1.10.0', '1.3.0'], plain)).toEqual({ newest: '1.10.0', outdated: true });
  });

  it('passes pre-releases over unless asked for', () => {
    const tags = ['1.0.0', '1.1.0', '2.0.0-rc.1'];
    expect(newestVersion('1.0.0', tags, plain)).toEqual({ newest: '1.1.0', outdated: true });
    expect(newestVersion('1.0.0', tags, plain, { prerelease: true })).toEqual({ newest: '2.0.0-rc.1', outdated: true });
  });

  it('passes junk over: words, dates, four parts, tags of other templates', () => {
    expect(newestVersion('1.0.0', ['latest', 'stable', '2024-01-02', '9.9.9.9', 'v9.0.0', '9.0.0-alpine'], plain)).toEqual({ newest: '1.0.0', outdated: false });
  });

  it('reads short versions (7.1, 9) as semver with zeros, and keeps the current one among equals', () => {
    expect(semverOf('7.1')?.version).toBe('7.1.0');
    expect(semverOf('9')?.version).toBe('9.0.0');
    expect(newestVersion('7.1', ['7.1', '7.1.0', '7', '8.0'], plain)).toEqual({ newest: '8.0', outdated: true });
    expect(newestVersion('7.1', ['7.1.0', '7'], plain)).toEqual({ newest: '7.1', outdated: false });
  });

  it('is current when the pin is newer than every tag', () => {
    expect(newestVersion('3.0.0', ['1.0.0', '2.0.0'], plain)).toEqual({ newest: '3.0.0', outdated: false });
  });

  it('says so when the version in use cannot be ordered', () => {
    expect(newestVersion('nightly', ['1.0.0'], plain)).toEqual({ reason: 'nightly is not a version berth can order (semver, such as 1.2.3)' });
  });
});
