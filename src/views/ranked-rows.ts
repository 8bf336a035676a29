/**
 * A view's visible rows with what orders them: each row's key (its group,
 * or the event or join pair it came from) and its ORDER BY values. The
 * engine ranks its candidates this way, and a node that does not compute a
 * view keeps the owner's rows in a RankedRows, in the same order, from the
 * owner's changes (docs/scaling.md "Ownership").
 */
import type { Literal, ViewPlan } from './view-plan.js';

export type ViewRow = Readonly<Record<string, Literal>>;

export interface RowChange {
  readonly row: ViewRow;
  readonly diff: 1 | -1;
}

export interface RankedRow {
  readonly key: string;
  readonly row: ViewRow;
  readonly sortValues: readonly Literal[];
}

/** A change to the visible rows that also says where the row ranks. */
export interface RankedChange extends RowChange, RankedRow {}

export type OrderBy = ViewPlan['orderBy'];

/** By ORDER BY, then key: whether `a` comes before `b`. */
export function ranksBefore(orderBy: OrderBy, a: RankedRow, b: RankedRow): boolean {
  for (const [index, order] of orderBy.entries()) {
    const compared = compareLiterals(a.sortValues[index] as Literal, b.sortValues[index] as Literal);
    if (compared !== 0) return order.descending ? compared > 0 : compared < 0;
  }
  return a.key < b.key;
}

/** Nulls sort last; otherwise the natural order of numbers, strings and booleans. */
function compareLiterals(a: Literal, b: Literal): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** Where `row` is or belongs in `rows` (sorted by `ranksBefore`). */
export function rankIndex(orderBy: OrderBy, rows: readonly RankedRow[], row: RankedRow): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (ranksBefore(orderBy, rows[middle] as RankedRow, row)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A batch of changes reduced to each key's final state: its row, or null where it left. */
export function finalRows(changes: readonly RankedChange[]): Map<string, RankedRow | null> {
  const final = new Map<string, RankedRow | null>();
  for (const change of changes) {
    if (change.diff === 1) final.set(change.key, { key: change.key, row: change.row, sortValues: change.sortValues });
    else {
      // A -1 of the row that was there before an earlier +1 of this batch leaves that +1 standing.
      const current = final.get(change.key);
      if (current === undefined || current === null || current.row === change.row) final.set(change.key, null);
    }
  }
  return final;
}

/** The rows of a view another node computes, kept in ORDER BY order from its changes. */
export class RankedRows {
  readonly #orderBy: OrderBy;
  #rows: RankedRow[] = [];
  readonly #byKey = new Map<string, RankedRow>();

  constructor(orderBy: OrderBy) {
    this.#orderBy = orderBy;
  }

  rows(): ViewRow[] {
    return this.#rows.map((ranked) => ranked.row);
  }

  entries(): readonly RankedRow[] {
    return this.#rows;
  }

  /** Sets each key to its final row (null: gone); returns the changes to the visible rows. */
  apply(final: ReadonlyMap<string, RankedRow | null>): RowChange[] {
    const changes: RowChange[] = [];
    for (const [key, next] of final) {
      const previous = this.#byKey.get(key);
      if (previous !== undefined) {
        this.#rows.splice(rankIndex(this.#orderBy, this.#rows, previous), 1);
        this.#byKey.delete(key);
        changes.push({ row: previous.row, diff: -1 });
      }
      if (next !== null) {
        this.#rows.splice(rankIndex(this.#orderBy, this.#rows, next), 0, next);
        this.#byKey.set(key, next);
        changes.push({ row: next.row, diff: 1 });
      }
    }
    return changes;
  }

  /** Replaces every row (a snapshot); returns the changes from the rows before. */
  replace(rows: readonly RankedRow[]): RowChange[] {
    const final = new Map<string, RankedRow | null>([...this.#byKey.keys()].map((key) => [key, null]));
    for (const row of rows) final.set(row.key, row);
    return this.apply(final);
  }
}
