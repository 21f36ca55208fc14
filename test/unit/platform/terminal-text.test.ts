import { describe, expect, it } from 'vitest';
import { printable } from '../../../src/platform/terminal-text.js';

describe('printable', () => {
  it('escapes C0 and C1 controls, DEL and direction overrides; keeps text, tabs and (when asked) newlines', () => {
    expect(printable('a\x1b]0;title\x07b')).toBe('a\\x1b]0;title\\x07b');
    expect(printable('\r\b\x7f\x9b\u202e')).toBe('\\x0d\\x08\\x7f\\x9b\\u202e');
    expect(printable('tab\there, café ✓')).toBe('tab\there, café ✓');
    expect(printable('one\ntwo')).toBe('one\\x0atwo');
    expect(printable('one\ntwo', true)).toBe('one\ntwo');
  });
});
