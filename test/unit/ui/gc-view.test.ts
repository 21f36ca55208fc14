import { describe, expect, it } from 'vitest';
import { formatRemoved, formatWouldRemove, type GarbageView } from '../../../src/ui/gc-view.js';

const orphan = { id: '0123456789abcdef0123', tool: 'jq', pid: 42 };
const none: GarbageView = { containers: [], files: [], builds: [], workspaces: [] };
const build = { tool: 'gifsicle', image: 'berth-build/gifsicle:0123' };
const workspace = { volume: 'berth-ws-ab12', source: '/home/me/gone', why: 'its folder is gone' };

describe('gc view', () => {
  it('gc: each container removed, then the count', () => {
    expect(formatRemoved({ ...none, containers: [orphan, { ...orphan, pid: 0 }] })).toEqual([
      'removed 0123456789ab (jq, its berth (pid 42) is gone)',
      'removed 0123456789ab (jq, its berth is gone)',
      'removed 2 containers',
    ]);
    expect(formatRemoved(none)).toEqual(['nothing to remove']);
  });

  it('gc: built images and workspace volumes too, each counted', () => {
    expect(formatRemoved({ ...none, containers: [orphan], builds: [build], workspaces: [workspace] })).toEqual([
      'removed 0123456789ab (jq, its berth (pid 42) is gone)',
      'removed berth-build/gifsicle:0123 (gifsicle: an image berth built that nothing uses)',
      'removed workspace volume berth-ws-ab12 (/home/me/gone: its folder is gone)',
      'removed 1 container, 1 built image and 1 workspace volume',
    ]);
  });

  it('gc --dry-run: each container, file, image and volume with why, and that nothing was removed', () => {
    expect(formatWouldRemove({ ...none, containers: [orphan], files: [{ path: '/c/warm/used/x', why: 'last-use mark of a warm container that is gone' }] })).toEqual([
      'would remove container 0123456789ab (jq, its berth (pid 42) is gone)',
      'would remove /c/warm/used/x (last-use mark of a warm container that is gone)',
      'would remove 1 container and 1 file; nothing was removed (run berth gc to remove them)',
    ]);
    expect(formatWouldRemove({ ...none, builds: [build], workspaces: [workspace] })).toEqual([
      'would remove image berth-build/gifsicle:0123 (gifsicle: an image berth built that nothing uses)',
      'would remove workspace volume berth-ws-ab12 (/home/me/gone: its folder is gone)',
      'would remove 1 built image and 1 workspace volume; nothing was removed (run berth gc to remove them)',
    ]);
    expect(formatWouldRemove(none)).toEqual(['nothing to remove']);
  });
});
