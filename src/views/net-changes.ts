/** Consolidates view changes: the shape every delta is sent in. */
import type { ViewRow, RowChange } from './ranked-rows.js';

/** A batch's changes with each row's +1s and -1s summed: a row added then removed within it disappears. */
export function netChanges(changes: readonly RowChange[]): RowChange[] {
  const net = new Map<string, { row: ViewRow; diff: number }>();
  for (const { row, diff } of changes) {
    const key = JSON.stringify(row);
    const entry = net.get(key) ?? { row, diff: 0 };
    entry.diff += diff;
    net.set(key, entry);
  }
  return [...net.values()].flatMap(({ row, diff }) => Array.from({ length: Math.abs(diff) }, (): RowChange => ({ row, diff: Math.sign(diff) as 1 | -1 })));
}
