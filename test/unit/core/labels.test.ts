import { describe, expect, it } from 'vitest';
import { labelFilter, LABELS } from '../../../src/core/labels.js';

describe('container labels', () => {
  it('keeps the names containers already carry (a renamed label would lose the containers an earlier berth made)', () => {
    expect(LABELS).toEqual({
      managed: 'berth.managed',
      tool: 'berth.tool',
      version: 'berth.version',
      pid: 'berth.pid',
      host: 'berth.host',
      uid: 'berth.uid',
      run: 'berth.run',
      warm: 'berth.warm',
      key: 'berth.key',
      idleMinutes: 'berth.idle-minutes',
      image: 'berth.image',
      workspace: 'berth.workspace',
    });
  });

  it("names each label once, in berth's own namespace", () => {
    const names = Object.values(LABELS);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^berth\.[a-z-]+$/);
  });

  it('filters on a label with a value, or on having the label at all', () => {
    expect(labelFilter(LABELS.uid, '1000')).toBe('berth.uid=1000');
    expect(labelFilter(LABELS.run)).toBe('berth.run');
    expect(labelFilter(LABELS.tool, '')).toBe('berth.tool=');
  });
});
