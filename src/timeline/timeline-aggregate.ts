/** `| aggregate(group_by(col), count, sum, avg, min, max)`: across keys, of each key's value at one instant. */
import type { AggregateSpec } from './timeline-ast.js';
import type { PieceValue, Scalar } from './timeline-piece.js';

export interface AggregateRow {
  /** The group column's latest value at the instant; null when unknown or when there is no group_by. */
  readonly group: Scalar | null;
  readonly count?: number;
  readonly sum?: number | null;
  readonly avg?: number | null;
  readonly min?: number | null;
  readonly max?: number | null;
}

interface Accumulator {
  count: number;
  numeric: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * `count` counts keys whose value is known; sum, avg, min and max read
 * numbers, with true as 1 and false as 0 (so `sum` of a boolean counts the
 * keys where it holds); strings count but add nothing.
 */
export function aggregateValues(spec: AggregateSpec, entries: Iterable<readonly [PieceValue, PieceValue]>, divisor = 1): AggregateRow[] {
  const groups = new Map<Scalar | null, Accumulator>();
  for (const [value, group] of entries) {
    if (value === null) continue;
    let accumulator = groups.get(group);
    if (accumulator === undefined) {
      accumulator = { count: 0, numeric: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
      groups.set(group, accumulator);
    }
    accumulator.count += 1;
    const number = typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : undefined;
    if (number === undefined) continue;
    accumulator.numeric += 1;
    accumulator.sum += number;
    accumulator.min = Math.min(accumulator.min, number);
    accumulator.max = Math.max(accumulator.max, number);
  }
  const rows: AggregateRow[] = [];
  for (const [group, accumulator] of groups) {
    const row: Record<string, Scalar | null> = { group };
    const some = accumulator.numeric > 0;
    for (const name of spec.functions) {
      if (name === 'count') row.count = accumulator.count;
      // Summed in the evaluator's unit (whole ms for durations) and divided once, so sums stay exact.
      else if (name === 'sum') row.sum = some ? accumulator.sum / divisor : null;
      else if (name === 'avg') row.avg = some ? accumulator.sum / divisor / accumulator.numeric : null;
      else if (name === 'min') row.min = some ? accumulator.min / divisor : null;
      else row.max = some ? accumulator.max / divisor : null;
    }
    rows.push(row as unknown as AggregateRow);
  }
  return rows.sort((a, b) => compareGroups(a.group, b.group));
}

function compareGroups(a: Scalar | null, b: Scalar | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return String(a) < String(b) ? -1 : 1;
}
