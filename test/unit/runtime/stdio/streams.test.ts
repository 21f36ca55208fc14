import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demultiplex } from '../../../../src/runtime/stdio/streams.js';

describe('demultiplexing', () => {
  it('splits frames into stdout and stderr, across chunk boundaries, byte-exact', async () => {
    const source = new PassThrough();
    const out = new PassThrough();
    const err = new PassThrough();
    const outData: Buffer[] = [];
    const errData: Buffer[] = [];
    out.on('data', (d: Buffer) => outData.push(d));
    err.on('data', (d: Buffer) => errData.push(d));
    demultiplex(source, out, err);
    const frame = (type: number, payload: Buffer) => {
      const header = Buffer.alloc(8);
      header[0] = type;
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const stream = Buffer.concat([frame(1, all), frame(2, Buffer.from('err')), frame(1, Buffer.from('tail'))]);
    for (let i = 0; i < stream.length; i += 5) source.write(stream.subarray(i, i + 5));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(outData)).toEqual(Buffer.concat([all, Buffer.from('tail')]));
    expect(Buffer.concat(errData).toString()).toBe('err');
  });
});
