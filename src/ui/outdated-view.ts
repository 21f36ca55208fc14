import { formatTable } from './table.js';

interface Row {
  name: string;
  current: string;
  newest: string | null;
  state: 'current' | 'outdated' | 'unknown';
  from: string;
}

/** `berth outdated`'s table: one row a tool, as npm outdated shows its packages. */
export function formatOutdated(tools: readonly Row[]): string[] {
  return formatTable(
    ['TOOL', 'CURRENT', 'NEWEST', 'STATE', 'FROM'],
    tools.map((t) => [t.name, t.current, t.newest ?? '-', t.state, t.from]),
  );
}

/** One change of `berth upgrade`: `jq 1.7.1 -> 1.8.1`. */
export function formatChange(change: { name: string; from: string; to: string }): string {
  return `${change.name} ${change.from} -> ${change.to}`;
}
