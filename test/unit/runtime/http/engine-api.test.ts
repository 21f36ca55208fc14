import { describe, expect, it } from 'vitest';
import { ResponseParser, type ResponseHead } from '../../../../src/runtime/http/engine-api.js';

/** Feeds `bytes` to a parser in pieces cut at `cuts`; returns what the parser reported. */
function parse(bytes: Buffer, cuts: number[], options: { bodyless?: boolean; upgrade?: boolean } = {}) {
  const seen = { heads: [] as ResponseHead[], body: [] as Buffer[], ends: [] as boolean[], rest: undefined as Buffer | undefined };
  const parser = new ResponseParser(options.bodyless ?? false, {
    head: (h) => (seen.heads.push(h), options.upgrade && h.status === 101 ? 'upgrade' : undefined),
    data: (c) => seen.body.push(Buffer.from(c)),
    end: (keepAlive) => seen.ends.push(keepAlive),
  });
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    const rest = parser.push(bytes.subarray(from, cut));
    if (rest !== undefined) seen.rest = Buffer.concat([rest, bytes.subarray(cut)]);
    if (rest !== undefined) break;
    from = cut;
  }
  return { ...seen, body: Buffer.concat(seen.body), closed: () => parser.closed(), done: parser.done };
}

/** Every way of cutting `bytes` in two, and byte by byte. */
function cuttings(bytes: Buffer): number[][] {
  return [[], ...Array.from({ length: bytes.length - 1 }, (_, i) => [i + 1]), Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)];
}

const all256 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe('engine HTTP responses', () => {
  it('reads a Content-Length body, however the bytes arrive, and keeps the connection', () => {
    const bytes = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 256\r\n\r\n`), all256]);
    for (const cuts of cuttings(bytes)) {
      const r = parse(bytes, cuts);
      expect(r.heads).toEqual([{ status: 200, headers: { 'content-type': 'application/json', 'content-length': '256' } }]);
      expect(r.body.equals(all256)).toBe(true);
      expect(r.ends).toEqual([true]);
    }
  });

  it('decodes a chunked body with extensions and trailers, however the bytes arrive', () => {
    const bytes = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'),
      Buffer.from('a;ext=1\r\n'),
      all256.subarray(0, 10),
      Buffer.from('\r\nF6\r\n'),
      all256.subarray(10),
      Buffer.from('\r\n0\r\nX-Trailer: 1\r\n\r\n'),
    ]);
    for (const cuts of cuttings(bytes)) {
      const r = parse(bytes, cuts);
      expect(r.body.equals(all256)).toBe(true);
      expect(r.ends).toEqual([true]);
    }
  });

  it('has no body for 204, 304 and HEAD, and says when the engine closes the connection', () => {
    expect(parse(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'), []).ends).toEqual([true]);
    expect(parse(Buffer.from('HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n'), []).ends).toEqual([false]);
    expect(parse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'), [], { bodyless: true }).ends).toEqual([true]);
  });

  it('reads a body without length until the connection closes, and never reuses that connection', () => {
    const r = parse(Buffer.from('HTTP/1.1 200 OK\r\n\r\npart one, part two'), [25]);
    expect(r.ends).toEqual([]);
    expect(r.closed()).toBe(true);
    expect(r.body.toString()).toBe('part one, part two');
    expect(r.ends).toEqual([false]);
  });

  it('a truncated response is not complete when the connection closes', () => {
    const r = parse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'), []);
    expect(r.closed()).toBe(false);
    expect(r.done).toBe(false);
  });

  it('after a 101 hands over every byte that follows the head, however they arrive', () => {
    const head = Buffer.from('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    const bytes = Buffer.concat([head, all256]);
    for (const cuts of cuttings(bytes)) {
      const r = parse(bytes, cuts, { upgrade: true });
      expect(r.heads.map((h) => h.status)).toEqual([101]);
      expect(r.body.length).toBe(0);
      expect(r.rest?.equals(all256)).toBe(true);
    }
  });

  it('skips a 100 Continue and reads the response after it', () => {
    const r = parse(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}'), [30]);
    expect(r.heads.map((h) => h.status)).toEqual([404]);
    expect(r.body.toString()).toBe('{}');
  });

  it('rejects what is not an HTTP response', () => {
    expect(() => parse(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'), [])).toThrow(/no HTTP response/);
    expect(() => parse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), [])).toThrow(/malformed chunked/);
  });
});
