import { describe, expect, it } from 'vitest';
import { formatDuration, formatSize } from '../../../src/ui/units.js';

describe('sizes', () => {
  it('are given in decimal units, as docker prints them', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(1000)).toBe('1.0 kB');
    expect(formatSize(8_500_000)).toBe('8.5 MB');
    expect(formatSize(123_456_789)).toBe('123 MB');
    expect(formatSize(2_000_000_000_000_000)).toBe('2000 TB');
  });
});

describe('durations', () => {
  it('are seconds under a minute, then minutes and seconds, then hours and minutes', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(545)).toBe('9m05s');
    expect(formatDuration(3599)).toBe('59m59s');
    expect(formatDuration(3900)).toBe('1h05m');
  });

  it('never go below zero', () => {
    expect(formatDuration(-5)).toBe('0s');
  });
});
