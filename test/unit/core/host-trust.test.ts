import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { caEnv, certificatesOf, hostCaBundle, proxyEnv } from '../../../src/core/host-trust.js';

const CERT = (n: number) => `-----BEGIN CERTIFICATE-----\nMIIB${'A'.repeat(n)}==\n-----END CERTIFICATE-----`;
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEsecret\n-----END PRIVATE KEY-----';

describe("the host's network trust", () => {
  it('passes each proxy variable in both cases, keeping a value set in each case, and leaves out empty ones', () => {
    expect(proxyEnv({ HTTPS_PROXY: 'http://p:1', http_proxy: 'http://q:2', HTTP_PROXY: 'http://Q:2', NO_PROXY: '', no_proxy: '' })).toEqual([
      ['HTTP_PROXY', 'http://Q:2'],
      ['http_proxy', 'http://q:2'],
      ['HTTPS_PROXY', 'http://p:1'],
      ['https_proxy', 'http://p:1'],
    ]);
    expect(proxyEnv({})).toEqual([]);
  });

  it('points every CA variable at the one path', () => {
    expect(Object.fromEntries(caEnv('/x.pem'))).toMatchObject({ SSL_CERT_FILE: '/x.pem', NODE_EXTRA_CA_CERTS: '/x.pem', REQUESTS_CA_BUNDLE: '/x.pem', CURL_CA_BUNDLE: '/x.pem' });
  });

  it('takes certificates out of a PEM text and nothing else (a key beside them stays out)', () => {
    expect(certificatesOf(`junk\n${CERT(4)}\n${KEY}\n# comment\n${CERT(8)}\n`)).toEqual([CERT(4), CERT(8)]);
    expect(certificatesOf(KEY)).toEqual([]);
  });

  it("copies the host bundle's certificates into berth's cache (0644), and the copy is what is mounted", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-ca-'));
    const bundle = path.join(dir, 'bundle.pem');
    writeFileSync(bundle, `${CERT(4)}\n${KEY}\n`);
    const env = { SSL_CERT_FILE: bundle, XDG_CACHE_HOME: path.join(dir, 'cache') };
    const copy = hostCaBundle(env)!;
    expect(copy).toBe(path.join(dir, 'cache', 'berth', 'trust', 'host-ca.pem'));
    expect(readFileSync(copy, 'utf8')).toBe(`${CERT(4)}\n`);
    expect(statSync(copy).mode & 0o777).toBe(0o644);
    // A bundle that is a link to a key gives no certificate: no copy, no CA trust.
    const link = path.join(dir, 'link.pem');
    writeFileSync(path.join(dir, 'key.pem'), KEY);
    symlinkSync(path.join(dir, 'key.pem'), link);
    expect(hostCaBundle({ ...env, SSL_CERT_FILE: link })).toBeUndefined();
  });

  it('refuses a bundle path that is a FIFO or a directory in one line, instead of hanging', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-ca-'));
    const fifo = path.join(dir, 'fifo.pem');
    execFileSync('mkfifo', [fifo]);
    expect(() => hostCaBundle({ SSL_CERT_FILE: fifo, XDG_CACHE_HOME: dir })).toThrow(/not a regular file \(a FIFO\).*--no-host-ca/);
    mkdirSync(path.join(dir, 'd.pem'));
    expect(() => hostCaBundle({ SSL_CERT_FILE: path.join(dir, 'd.pem'), XDG_CACHE_HOME: dir })).toThrow(/not a regular file \(a directory\)/);
  });
});
