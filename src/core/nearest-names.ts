import { byName } from './names.js';

/** Names within a small edit distance, closest first. */
export function nearestNames(name: string, names: string[], max = 3): string[] {
  return names
    .map((n) => ({ n, d: n.startsWith(name) || name.startsWith(n) ? 1 : editDistance(name, n) }))
    .filter(({ d }) => d <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.d - b.d || byName(a.n, b.n))
    .slice(0, max)
    .map(({ n }) => n);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
