import { describe, expect, it } from 'vitest';
import { alignColumns, formatTable } from '../../../src/ui/table.js';

describe('tables', () => {
  it('align columns on the widest cell, two spaces apart, and do not pad the last one', () => {
    expect(formatTable(['A', 'BB', 'C'], [['xxx', 'y', 'last'], ['z', 'yyy', '']])).toEqual(['A    BB   C', 'xxx  y    last', 'z    yyy']);
  });

  it('are the headers alone when there are no rows', () => {
    expect(formatTable(['NAME', 'VERSION'], [])).toEqual(['NAME  VERSION']);
  });

  it('align rows without headers the same way', () => {
    expect(alignColumns([['shimDir=/a/long/path', '(set)'], ['warm=', '(not set)']])).toEqual(['shimDir=/a/long/path  (set)', 'warm=                 (not set)']);
    expect(alignColumns([])).toEqual([]);
  });
});
