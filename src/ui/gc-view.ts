import type { Orphan } from '../runtime/container/orphans.js';
import type { PrunableFile } from '../warm/state.js';

function why(o: Orphan): string {
  return `${o.tool}, its berth${o.pid ? ` (pid ${o.pid})` : ''} is gone`;
}

/** An image berth built that gc removes: its tool, and its tags (or id). */
interface UnusedBuild {
  tool: string;
  image: string;
}

const BUILD_WHY = 'an image berth built that nothing uses';
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** `berth gc`'s lines: each container and built image removed, then the counts. */
export function formatRemoved(containers: Orphan[], builds: UnusedBuild[] = []): string[] {
  const lines = [...containers.map((o) => `removed ${o.id.slice(0, 12)} (${why(o)})`), ...builds.map((b) => `removed ${b.image} (${b.tool}: ${BUILD_WHY})`)];
  const counts = [containers.length > 0 ? count(containers.length, 'container') : undefined, builds.length > 0 ? count(builds.length, 'built image') : undefined].filter(
    (c) => c !== undefined,
  );
  lines.push(counts.length === 0 ? 'nothing to remove' : `removed ${counts.join(' and ')}`);
  return lines;
}

/** `berth gc --dry-run`'s lines: each container, file and built image gc would remove, and why; nothing was removed. */
export function formatWouldRemove(containers: Orphan[], files: PrunableFile[], builds: UnusedBuild[] = []): string[] {
  const lines = [
    ...containers.map((o) => `would remove container ${o.id.slice(0, 12)} (${why(o)})`),
    ...files.map((f) => `would remove ${f.path} (${f.why})`),
    ...builds.map((b) => `would remove image ${b.image} (${b.tool}: ${BUILD_WHY})`),
  ];
  const counts = [count(containers.length, 'container'), count(files.length, 'file'), ...(builds.length > 0 ? [count(builds.length, 'built image')] : [])];
  lines.push(
    containers.length + files.length + builds.length === 0
      ? 'nothing to remove'
      : `would remove ${counts.slice(0, -1).join(', ')} and ${counts.at(-1)}; nothing was removed (run berth gc to remove them)`,
  );
  return lines;
}
