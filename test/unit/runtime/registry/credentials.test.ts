import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registryAuth } from '../../../../src/runtime/registry/credentials.js';

/** A docker config directory, and a credential helper that answers for one registry. */
function dockerConfig(config: object): NodeJS.ProcessEnv {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-creds-'));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const helper = path.join(bin, 'docker-credential-fake');
  // Reads the registry on stdin, as docker's helpers do; a token for one host, nothing for others.
  writeFileSync(helper, '#!/bin/sh\nread host\ncase "$host" in\n  helped.example) echo \'{"Username":"<token>","Secret":"tok"}\' ;;\n  *) echo "credentials not found" >&2; exit 1 ;;\nesac\n');
  chmodSync(helper, 0o755);
  return { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` };
}

describe('registry credentials, looked up as docker does', () => {
  const auth = Buffer.from('ann:secret').toString('base64');

  it('asks the registry credential helper first, then the store, then auths', async () => {
    const env = dockerConfig({ credHelpers: { 'helped.example': 'fake' }, auths: { 'helped.example': { auth }, 'plain.example': { auth } } });
    const saved = process.env.PATH;
    process.env.PATH = env.PATH;
    try {
      expect(await registryAuth('helped.example', env)).toEqual({ serveraddress: 'helped.example', identitytoken: 'tok' });
      expect(await registryAuth('plain.example', env)).toEqual({ serveraddress: 'plain.example', username: 'ann', password: 'secret' });
      expect(await registryAuth('other.example', env)).toBeUndefined();
    } finally {
      process.env.PATH = saved;
    }
  });

  it('takes what a store that answers gives over the auths entry (another registry\'s helper is not asked)', async () => {
    // The fake answers for helped.example only. (Helper before store: test/integration/credentials.test.ts.)
    const env = dockerConfig({ credHelpers: { 'plain.example': 'fake' }, credsStore: 'fake', auths: { 'helped.example': { auth } } });
    const saved = process.env.PATH;
    process.env.PATH = env.PATH;
    try {
      expect(await registryAuth('helped.example', env)).toEqual({ serveraddress: 'helped.example', identitytoken: 'tok' });
    } finally {
      process.env.PATH = saved;
    }
  });

  it('falls back from a store that does not know the registry to auths, under Docker Hub\'s key', async () => {
    const env = dockerConfig({ credsStore: 'fake', auths: { 'https://index.docker.io/v1/': { auth } } });
    const saved = process.env.PATH;
    process.env.PATH = env.PATH;
    try {
      expect(await registryAuth('docker.io', env)).toEqual({ serveraddress: 'https://index.docker.io/v1/', username: 'ann', password: 'secret' });
    } finally {
      process.env.PATH = saved;
    }
  });
});
