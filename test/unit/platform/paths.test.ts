import { homedir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  berthRoots,
  cacheDirectory,
  configDirectory,
  defaultShimDirectory,
  dockerCertificateDirectory,
  dockerConfigDirectory,
  engineModeFile,
  identityDirectory,
  parsedFile,
  projectLockFile,
  pullLockFile,
  recipePathDirectories,
  RUN_SOCKET,
  runsDirectory,
  settingsFile,
  stateDirectory,
  toolHomeDirectory,
  trustFile,
  userRecipeDirectory,
  warmDirectory,
  warmSocketsDirectory,
} from '../../../src/platform/paths.js';

const env = { XDG_CACHE_HOME: '/x/cache', XDG_CONFIG_HOME: '/x/config', XDG_STATE_HOME: '/x/state', HOME: '/home/ann' };

afterEach(() => vi.restoreAllMocks());

describe("berth's roots", () => {
  it('follow the XDG variables, each with a berth directory', () => {
    expect([cacheDirectory(env), configDirectory(env), stateDirectory(env)]).toEqual(['/x/cache/berth', '/x/config/berth', '/x/state/berth']);
  });

  it("default to ~/.cache, ~/.config and ~/.local/state when a variable is unset or empty", () => {
    expect([cacheDirectory({}), configDirectory({ XDG_CONFIG_HOME: '' }), stateDirectory({})]).toEqual([
      path.join(homedir(), '.cache', 'berth'),
      path.join(homedir(), '.config', 'berth'),
      path.join(homedir(), '.local', 'state', 'berth'),
    ]);
  });

  it('are named with the variable that moves each', () => {
    expect(berthRoots(env)).toEqual([
      { directory: '/x/cache/berth', variable: 'XDG_CACHE_HOME' },
      { directory: '/x/config/berth', variable: 'XDG_CONFIG_HOME' },
      { directory: '/x/state/berth', variable: 'XDG_STATE_HOME' },
    ]);
  });
});

describe("berth's files", () => {
  it('are each under one of its roots, so they are kept private with it', () => {
    const roots = berthRoots(env).map((r) => r.directory);
    const files = [
      settingsFile(env), userRecipeDirectory(env), trustFile(env), parsedFile('k', env), toolHomeDirectory('jq', env), identityDirectory(1000, 100, 'jq', env),
      pullLockFile('jq:1', env), projectLockFile('/p', env), engineModeFile('unix:///s', env), runsDirectory(env), warmDirectory(env), warmSocketsDirectory(env),
    ];
    for (const file of files) expect(roots.some((root) => file.startsWith(`${root}/`)), file).toBe(true);
  });

  it('keep settings and recipes in the config root, trust in the state root', () => {
    expect(settingsFile(env)).toBe('/x/config/berth/config.json');
    expect(userRecipeDirectory(env)).toBe('/x/config/berth/recipes');
    expect(trustFile(env)).toBe('/x/state/berth/trust.json');
  });

  it('keep what can be made again in the cache', () => {
    expect(toolHomeDirectory('jq', env)).toBe('/x/cache/berth/home/jq');
    expect(identityDirectory(1000, 100, 'jq', env)).toBe('/x/cache/berth/identity/1000-100/jq');
    expect(warmSocketsDirectory(env)).toBe('/x/cache/berth/warm/sockets');
    expect(path.dirname(RUN_SOCKET)).toBe(runsDirectory());
  });

  it('name a keyed file by a hash of its key: the same key the same file, another key another', () => {
    expect(pullLockFile('jq:1', env)).toMatch(/^\/x\/cache\/berth\/locks\/pull-[0-9a-f]{16}\.lock$/);
    expect(projectLockFile('/p', env)).toMatch(/^\/x\/cache\/berth\/locks\/project-[0-9a-f]{16}\.lock$/);
    expect(parsedFile('k', env)).toMatch(/^\/x\/cache\/berth\/parsed\/[0-9a-f]{16}\.json$/);
    expect(engineModeFile('unix:///s', env)).toMatch(/^\/x\/cache\/berth\/engines\/[0-9a-f]{16}\.json$/);
    expect(pullLockFile('jq:1', env)).toBe(pullLockFile('jq:1', env));
    expect(pullLockFile('jq:2', env)).not.toBe(pullLockFile('jq:1', env));
  });
});

describe('directories the user names', () => {
  it("read docker's configuration from DOCKER_CONFIG, else ~/.docker, as the docker CLI does", () => {
    expect(dockerConfigDirectory({ DOCKER_CONFIG: '/d' })).toBe('/d');
    expect(dockerConfigDirectory({})).toBe(path.join(homedir(), '.docker'));
    // TLS client certificates: DOCKER_CERT_PATH, else the config directory, as the docker CLI looks.
    expect(dockerCertificateDirectory({ DOCKER_CERT_PATH: '/c', DOCKER_CONFIG: '/d' })).toBe('/c');
    expect(dockerCertificateDirectory({ DOCKER_CONFIG: '/d' })).toBe('/d');
  });

  it('put shims in ~/.local/bin of $HOME by default', () => {
    expect(defaultShimDirectory(env)).toBe('/home/ann/.local/bin');
  });

  it('search BERTH_RECIPES_PATH in order, skipping empty entries and saying once that a relative one is not searched', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const recipes = { BERTH_RECIPES_PATH: '/a::rel-only-here:/b' };
    expect(recipePathDirectories(recipes)).toEqual(['/a', '/b']);
    expect(recipePathDirectories(recipes)).toEqual(['/a', '/b']);
    expect(stderr.mock.calls.map((c) => String(c[0]))).toEqual(['berth: BERTH_RECIPES_PATH: rel-only-here is not an absolute path; it is not searched\n']);
    expect(recipePathDirectories({})).toEqual([]);
  });
});
