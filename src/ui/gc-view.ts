import type { Orphan } from '../runtime/container/orphans.js';
import type { PrunableFile } from '../warm/state.js';

function why(o: Orphan): string {
  return `${o.tool}, its berth${o.pid ? ` (pid ${o.pid})` : ''} is gone`;
}

/** `berth gc`'s lines: each container removed, then the count. */
export function formatRemoved(containers: Orphan[]): string[] {
  const lines = containers.map((o) => `removed ${o.id.slice(0, 12)} (${why(o)})`);
  lines.push(containers.length === 0 ? 'nothing to remove' : `removed ${containers.length} container${containers.length === 1 ? '' : 's'}`);
  return lines;
}

/** `berth gc --dry-run`'s lines: each container and file gc would remove, and why; nothing was removed. */
export function formatWouldRemove(containers: Orphan[], files: PrunableFile[]): string[] {
  const lines = [...containers.map((o) => `would remove container ${o.id.slice(0, 12)} (${why(o)})`), ...files.map((f) => `would remove ${f.path} (${f.why})`)];
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  lines.push(
    containers.length + files.length === 0
      ? 'nothing to remove'
      : `would remove ${count(containers.length, 'container')} and ${count(files.length, 'file')}; nothing was removed (run berth gc to remove them)`,
  );
  return lines;
}
