import { describe, expect, it } from 'vitest';
import { formatFinding } from '../../../src/ui/doctor-view.js';

describe('doctor findings', () => {
  it('are `ok WHAT` or `problem WHAT; fix: HOW`', () => {
    expect(formatFinding({ ok: true, text: 'shim directory /b is on PATH' })).toBe('ok shim directory /b is on PATH');
    expect(formatFinding({ ok: false, text: 'no recipe for jq', fix: 'berth recipes new jq' })).toBe('problem no recipe for jq; fix: berth recipes new jq');
  });

  it('cannot carry terminal control characters from the files they quote', () => {
    expect(formatFinding({ ok: false, text: 'shim \x1b]0;owned\x07 is broken', fix: 'reinstall it' })).toBe('problem shim \\x1b]0;owned\\x07 is broken; fix: reinstall it');
  });
});
