import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listTags, nextPage, parseChallenge, registryOrigin } from '../../../../src/runtime/registry/tags.js';

/** A registry on 127.0.0.1 that answers as `handler` says (a hostile one, as often as not). */
let server: Server | undefined;
async function registry(handler: (req: IncomingMessage, res: ServerResponse, host: string) => void): Promise<string> {
  server = createServer((req, res) => handler(req, res, host));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return host;
}

async function stop(): Promise<void> {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
}

afterEach(stop);

const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('listTags', () => {
  it('follows the Link header page after page and drops junk tags', async () => {
    const host = await registry((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname !== '/v2/team/tool/tags/list') return res.writeHead(404).end();
      if (!url.searchParams.get('last')) return json(res, { name: 'team/tool', tags: ['1.0.0', 42, '../etc', '-x', 'a'.repeat(200)] }, { Link: '</v2/team/tool/tags/list?n=1000&last=1.0.0>; rel="next"' });
      json(res, { name: 'team/tool', tags: ['1.1.0', null, '1.0.0'] });
    });
    expect((await listTags(host, 'team/tool')).sort()).toEqual(['1.0.0', '1.1.0']);
  });

  it('gets a bearer token from the realm the registry names, with the credentials pulls use, and keeps it for every page', async () => {
    const seen: string[] = [];
    const host = await registry((req, res, self) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/token') {
        seen.push(`token ${url.searchParams.get('scope')} ${url.searchParams.get('service')} ${req.headers.authorization}`);
        if (req.headers.authorization !== `Basic ${Buffer.from('ann:secret').toString('base64')}`) return res.writeHead(401).end();
        return json(res, { token: 'tok-1' });
      }
      seen.push(`${url.search} ${req.headers.authorization}`);
      if (req.headers.authorization !== 'Bearer tok-1') {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${self}/token",service="reg.test",scope="repository:team/tool:pull"` });
        return res.end();
      }
      if (!url.searchParams.get('last')) return json(res, { tags: ['1.0.0'] }, { Link: `<http://${self}/v2/team/tool/tags/list?last=1.0.0>; rel="next"` });
      json(res, { tags: ['2.0.0'] });
    });
    expect(await listTags(host, 'team/tool', { auth: { serveraddress: host, username: 'ann', password: 'secret' } })).toEqual(['1.0.0', '2.0.0']);
    expect(seen).toEqual([
      '?n=1000 undefined',
      `token repository:team/tool:pull reg.test Basic ${Buffer.from('ann:secret').toString('base64')}`,
      '?n=1000 Bearer tok-1',
      '?last=1.0.0 Bearer tok-1',
    ]);
  });

  it('a refusal says to log in', async () => {
    const host = await registry((_req, res) => res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="x"' }).end());
    await expect(listTags(host, 'team/tool')).rejects.toThrow(`registry ${host} (team/tool): it refused to list the tags (HTTP 401); log in with docker login ${host} (berth uses docker's credentials)`);
  });

  it('never follows a next page to another host (the credentials would go with it)', async () => {
    const host = await registry((_req, res) => json(res, { tags: ['1.0.0'] }, { Link: '<https://elsewhere.example/v2/team/tool/tags/list?last=1>; rel="next"' }));
    await expect(listTags(host, 'team/tool')).rejects.toThrow('its next page points to another host (https://elsewhere.example)');
  });

  it('stops pages that go round in a loop, and lists past the page or tag limit', async () => {
    const loop = await registry((_req, res) => json(res, { tags: ['1.0.0'] }, { Link: '</v2/team/tool/tags/list?n=1000>; rel="next"' }));
    await expect(listTags(loop, 'team/tool')).rejects.toThrow('its pages go round in a loop');
    await stop();
    let page = 0;
    const many = await registry((_req, res) => {
      page++;
      json(res, { tags: Array.from({ length: 10 }, (_, i) => `${page}.${i}.0`) }, { Link: `</v2/team/tool/tags/list?last=${page}>; rel="next"` });
    });
    await expect(listTags(many, 'team/tool', { maxPages: 5 })).rejects.toThrow('it listed more than 5 pages of tags');
    await expect(listTags(many, 'team/tool', { maxTags: 25 })).rejects.toThrow('it listed more than 25 tags');
  });

  it('refuses an answer too large to be a tag list, and one that is not the API\'s JSON', async () => {
    const huge = await registry((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"tags":["');
      const chunk = 'a'.repeat(64 * 1024);
      const more = () => {
        while (res.write(chunk)) if (res.writableLength > 8 * 1024 * 1024) return res.end();
        res.once('drain', more);
      };
      res.on('error', () => undefined);
      more();
    });
    await expect(listTags(huge, 'team/tool')).rejects.toThrow('its answer was larger than 4 MiB');
    await stop();
    const junk = await registry((_req, res) => json(res, { tags: 'all of them' }));
    await expect(listTags(junk, 'team/tool')).rejects.toThrow("its tag list is not the JSON the registry API describes");
  });

  it('a registry that stalls or refuses the connection is unreachable, in one line', async () => {
    const stalled = await registry(() => undefined);
    await expect(listTags(stalled, 'team/tool', { timeoutMs: 200 })).rejects.toThrow(`registry ${stalled} is unreachable (ETIMEDOUT: no answer within 0.2 s)`);
    await stop();
    await expect(listTags(stalled, 'team/tool')).rejects.toMatchObject({ unreachable: true, exitCode: 125, message: expect.stringMatching(/^registry 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED: /) });
  });

  it('a trickle of bytes does not outlive the whole listing\'s deadline', async () => {
    const trickle = await registry((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    await expect(listTags(trickle, 'team/tool', { timeoutMs: 1000, totalMs: 300 })).rejects.toThrow(`registry ${trickle} is unreachable (no answer within 0.3 s)`);
  });
});

describe('registry addresses and headers', () => {
  it('Docker Hub is served from registry-1.docker.io; loopback registries over plain HTTP, others over TLS', () => {
    expect(registryOrigin('docker.io')).toBe('https://registry-1.docker.io');
    expect(registryOrigin('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryOrigin('localhost:5000')).toBe('http://localhost:5000');
    expect(registryOrigin('ghcr.io')).toBe('https://ghcr.io');
    expect(registryOrigin('127.example.com')).toBe('https://127.example.com');
  });

  it('parses challenges and Link headers', () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"')).toEqual({ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io' } });
    expect(nextPage('</v2/a/tags/list?last=x>; rel="next"', new URL('https://r.example/v2/a/tags/list'))?.href).toBe('https://r.example/v2/a/tags/list?last=x');
    expect(nextPage(undefined, new URL('https://r.example/'))).toBeUndefined();
  });
});
