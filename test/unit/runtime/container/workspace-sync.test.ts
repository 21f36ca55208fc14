import { describe, expect, it } from 'vitest';
import { parseManifest, relativeInside } from '../../../../src/runtime/container/workspace-sync.js';

describe('workspace sync: what the container says', () => {
  it('reads the sync helper manifest, dropping records that do not parse', () => {
    const record = (...fields: string[]) => fields.map((f) => `${f}\u0000`).join('');
    const bytes = Buffer.from(
      record('d', '755', '0', '1700000000', '5', '/w', '') +
        record('f', '4755', '12', '1700000001', '999999999', '/w/new\nline', '') +
        record('l', '777', '0', '1', '0', '/w/link', '../../etc') +
        record('x', '644', '1', '1', '1', '/w/bad-type', '') +
        record('f', '99', '1', '1', '1', '/w/bad-mode', '') +
        record('f', '644', '-1', '1', '1', '/w/bad-size', ''),
    );
    const manifest = parseManifest(bytes);
    expect([...manifest.keys()]).toEqual(['/w', '/w/new\nline', '/w/link']);
    expect(manifest.get('/w/new\nline')).toEqual({ t: 'f', m: 0o4755, s: 12, n: '1700000001.999999999', l: '' });
    expect(manifest.get('/w/link')?.l).toBe('../../etc');
    // A record cut short is not read.
    expect(parseManifest(Buffer.from("f\u0000644\u0000")).size).toBe(0);
  });

  it('takes only paths inside the root, without empty, . or .. parts', () => {
    expect(relativeInside('/w', '/w')).toBe('');
    expect(relativeInside('/w', '/w/a/b')).toBe('a/b');
    expect(relativeInside('/w', '/wx/a')).toBeUndefined();
    expect(relativeInside('/w', '/w/../etc/passwd')).toBeUndefined();
    expect(relativeInside('/w', '/w/a/./b')).toBeUndefined();
    expect(relativeInside('/w', '/w/a//b')).toBeUndefined();
    expect(relativeInside('/w', '/w/')).toBeUndefined();
    expect(relativeInside('/w', '/etc')).toBeUndefined();
  });
});
