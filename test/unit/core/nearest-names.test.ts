import { describe, expect, it } from 'vitest';
import { nearestNames } from '../../../src/core/nearest-names.js';

describe('nearest names', () => {
  it('offers names a typo or two away, closest first, ties in name order', () => {
    expect(nearestNames('rn', ['run', 'list', 'rm'])).toEqual(['rm', 'run']);
    expect(nearestNames('shelcheck', ['shfmt', 'shellcheck'])).toEqual(['shellcheck']);
    expect(nearestNames('abcd', ['abay', 'abcz'])).toEqual(['abcz', 'abay']);
  });

  it('counts a name that begins the other (or the other way round) as one typo', () => {
    expect(nearestNames('shell', ['shellcheck', 'shfmt'])).toEqual(['shellcheck']);
    expect(nearestNames('jqq', ['jq', 'yq'])).toEqual(['jq', 'yq']);
  });

  it('allows more typos in a longer name (a third of its length, at least two)', () => {
    expect(nearestNames('abcdefghijkl', ['abcdefghiXYZ'])).toEqual(['abcdefghiXYZ']);
    expect(nearestNames('abcdef', ['abcXYZ'])).toEqual([]);
    expect(nearestNames('ab', ['xy'])).toEqual(['xy']);
    expect(nearestNames('ab', ['xyz'])).toEqual([]);
  });

  it('gives at most three by default, or as many as asked', () => {
    const names = ['jqa', 'jqb', 'jqc', 'jqd'];
    expect(nearestNames('jq', names)).toEqual(['jqa', 'jqb', 'jqc']);
    expect(nearestNames('jq', names, 1)).toEqual(['jqa']);
  });

  it('gives nothing when no name is near', () => {
    expect(nearestNames('terraform', ['jq', 'yq', 'shellcheck'])).toEqual([]);
    expect(nearestNames('jq', [])).toEqual([]);
  });
});
