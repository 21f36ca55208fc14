import { describe, expect, it } from 'vitest';
import { describeChanges, permissions } from '../../../../src/core/recipes/permissions.js';
import type { Recipe } from '../../../../src/core/recipes/schema.js';

function recipe(fields: Partial<Recipe> = {}): Recipe {
  return {
    name: 'jq', description: 'd', tags: [], image: 'ghcr.io/jqlang/jq:{version}', version: '1.8.1', args: [], network: 'none', env: [], home: [],
    user: 'host', tty: 'auto', warm: false, examples: [], file: '/p/.berth/recipes/jq.yaml', source: 'project', ...fields,
  };
}

const builtin = recipe({ file: '/berth/recipes/jq.yaml', source: 'builtin', digest: `sha256:${'a'.repeat(64)}` });

describe('what a recipe lets its tool reach', () => {
  it('says the least a recipe can ask for in words', () => {
    expect(permissions(recipe())).toEqual({
      image: 'ghcr.io/jqlang/jq:1.8.1',
      network: 'none',
      user: 'you (your uid:gid)',
      env: '(none beyond terminal and locale)',
      home: '(none from your home)',
      mounts: 'the current directory; paths named in the arguments (see berth help run)',
    });
  });

  it('names the image the tool runs, digest included', () => {
    expect(permissions(builtin).image).toBe(`ghcr.io/jqlang/jq:1.8.1@sha256:${'a'.repeat(64)}`);
  });

  it('spells out what the network, an image user, variables and home entries reach', () => {
    const wide = permissions(recipe({ network: 'host', user: 'image', env: ['GITHUB_TOKEN', 'AWS_PROFILE'], home: ['.aws', '.netrc:rw'] }));
    expect(wide.network).toBe("host (the host's own network: every local service and port)");
    expect(permissions(recipe({ network: 'bridge' })).network).toBe('bridge (can reach the internet and your local network)');
    expect(wide.user).toBe("the image's own user (often root)");
    expect(wide.env).toBe('GITHUB_TOKEN, AWS_PROFILE');
    expect(wide.home).toBe('~/.aws (read-only), ~/.netrc (read-write)');
  });
});

describe('what a project recipe changes, in one clause', () => {
  it('lists each permission that differs from the recipe it replaces, and only those', () => {
    const mine = recipe({ image: 'docker.io/someone/jq:1', network: 'host' });
    expect(describeChanges(mine, builtin)).toBe(
      `it would replace the builtin jq with image docker.io/someone/jq:1 instead of ghcr.io/jqlang/jq:1.8.1@sha256:${'a'.repeat(64)}; network host (the host's own network: every local service and port) instead of none`,
    );
  });

  it('says so when it replaces a recipe with the same image and permissions', () => {
    expect(describeChanges(recipe(), recipe({ source: 'user', file: '/home/ann/.config/berth/recipes/jq.yaml' }))).toBe('it would replace the user jq (same image and permissions)');
  });

  it('lists everything but the mounts for a tool it adds', () => {
    expect(describeChanges(recipe({ name: 'mine', env: ['TOKEN'] }))).toBe(
      'it adds the tool mine: image ghcr.io/jqlang/jq:1.8.1, network none, user you (your uid:gid), env passed TOKEN, your files (none from your home)',
    );
  });
});
