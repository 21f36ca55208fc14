import { describe, expect, it } from 'vitest';
import { proxyFor } from '../../../../src/runtime/registry/npm-versions.js';

describe("the npm registry's versions", () => {
  const url = new URL('https://registry.npmjs.org/cowsay/latest');

  it('goes through HTTPS_PROXY (either case), unless NO_PROXY names the host, a domain of it, or *', () => {
    expect(proxyFor(url, {})).toBeUndefined();
    expect(proxyFor(url, { HTTPS_PROXY: 'http://proxy:3128' })?.host).toBe('proxy:3128');
    expect(proxyFor(url, { https_proxy: 'proxy:8080' })?.host).toBe('proxy:8080');
    for (const noProxy of ['registry.npmjs.org', '.npmjs.org', 'npmjs.org', 'localhost, npmjs.org:443', '*']) {
      expect(proxyFor(url, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: noProxy }), noProxy).toBeUndefined();
    }
    expect(proxyFor(url, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'js.org' })?.host).toBe('proxy:3128');
    expect(proxyFor(new URL('http://mirror.local/x'), { HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'http://h:2' })?.host).toBe('h:2');
  });
});
