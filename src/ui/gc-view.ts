import type { Orphan } from '../runtime/container/orphans.js';
import type { PrunableFile } from '../warm/state.js';

/** What `berth gc` removes (or, with --dry-run, would): see collectGarbage in app/gc.ts. */
export interface GarbageView {
  containers: Orphan[];
  files: PrunableFile[];
  /** Images berth built that nothing uses: each one's tool and its tags (or id). */
  builds: Array<{ tool: string; image: string }>;
  /** Workspace volumes on an engine that cannot see this machine's files, each with why. */
  workspaces: Array<{ volume: string; source: string; why: string }>;
}

function why(o: Orphan): string {
  return `${o.tool}, its berth${o.pid ? ` (pid ${o.pid})` : ''} is gone`;
}

const BUILD_WHY = 'an image berth built that nothing uses';
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Each thing gc removes, described after `verb`, and the counts of each kind (none: empty). */
function described(g: GarbageView, verb: string, dryRun: boolean): { lines: string[]; counts: string[] } {
  const lines = [
    ...g.containers.map((o) => `${verb} ${dryRun ? 'container ' : ''}${o.id.slice(0, 12)} (${why(o)})`),
    ...(dryRun ? g.files.map((f) => `${verb} ${f.path} (${f.why})`) : []),
    ...g.builds.map((b) => `${verb} ${dryRun ? 'image ' : ''}${b.image} (${b.tool}: ${BUILD_WHY})`),
    ...g.workspaces.map((w) => `${verb} workspace volume ${w.volume} (${w.source}: ${w.why})`),
  ];
  const counts = [
    [g.containers.length, 'container'],
    [dryRun ? g.files.length : 0, 'file'],
    [g.builds.length, 'built image'],
    [g.workspaces.length, 'workspace volume'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, what]) => count(n as number, what as string));
  return { lines, counts };
}

const joined = (counts: string[]) => (counts.length === 1 ? counts[0]! : `${counts.slice(0, -1).join(', ')} and ${counts.at(-1)!}`);

/** `berth gc`'s lines: each container, built image and workspace volume removed, then the counts. */
export function formatRemoved(g: GarbageView): string[] {
  const { lines, counts } = described(g, 'removed', false);
  lines.push(counts.length === 0 ? 'nothing to remove' : `removed ${joined(counts)}`);
  return lines;
}

/** `berth gc --dry-run`'s lines: everything gc would remove, and why; nothing was removed. */
export function formatWouldRemove(g: GarbageView): string[] {
  const { lines, counts } = described(g, 'would remove', true);
  lines.push(counts.length === 0 ? 'nothing to remove' : `would remove ${joined(counts)}; nothing was removed (run berth gc to remove them)`);
  return lines;
}
