import { describe, expect, it } from 'vitest';
import { shellQuote, shellWords } from '../../../src/core/shell-words.js';

describe('shell words', () => {
  it('leaves a word bare when the shell reads it as it is, and single-quotes any other', () => {
    expect(['jq', '-r', '/a/b.c', 'A=1', 'user@host:5000', '%x+y,z'].map((w) => shellQuote(w))).toEqual(['jq', '-r', '/a/b.c', 'A=1', 'user@host:5000', '%x+y,z']);
    expect(['a b', '', '$HOME', '*', 'x;y', '~'].map((w) => shellQuote(w))).toEqual(["'a b'", "''", "'$HOME'", "'*'", "'x;y'", "'~'"]);
  });

  it("writes a quote inside a word as '\\'' ", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('quotes every word when asked to', () => {
    expect(shellQuote('/usr/bin/node', { always: true })).toBe("'/usr/bin/node'");
  });

  it('reads back the words it wrote, quoted or bare', () => {
    const words = ['/opt/my node/bin/node', "it's", 'jq@1.7', '', 'plain'];
    for (const always of [true, false]) {
      expect(shellWords(`${words.map((w) => shellQuote(w, { always })).join(' ')} "$@"`)).toEqual([...words, '"$@"']);
    }
  });
});
