import { describe, expect, it } from 'vitest';
import { formatRemoved, formatWouldRemove } from '../../../src/ui/gc-view.js';

const orphan = { id: '0123456789abcdef0123', tool: 'jq', pid: 42 };

describe('gc view', () => {
  it('gc: each container removed, then the count', () => {
    expect(formatRemoved([orphan, { ...orphan, pid: 0 }])).toEqual(['removed 0123456789ab (jq, its berth (pid 42) is gone)', 'removed 0123456789ab (jq, its berth is gone)', 'removed 2 containers']);
    expect(formatRemoved([])).toEqual(['nothing to remove']);
  });

  it('gc --dry-run: each container and file with why, and that nothing was removed', () => {
    expect(formatWouldRemove([orphan], [{ path: '/c/warm/used/x', why: 'last-use mark of a warm container that is gone' }])).toEqual([
      'would remove container 0123456789ab (jq, its berth (pid 42) is gone)',
      'would remove /c/warm/used/x (last-use mark of a warm container that is gone)',
      'would remove 1 container and 1 file; nothing was removed (run berth gc to remove them)',
    ]);
    expect(formatWouldRemove([], [])).toEqual(['nothing to remove']);
  });
});
