/**
 * What the engine figure drives: something that maintains top_editors
 * incrementally, one batch of events at a time, the way a server would feed
 * it (one call per appended batch), and can say what its rows are now.
 */
import type { StoredEvent } from '../../src/core/event.js';
import type { TopEditorRow } from './top-editors.js';

export interface TopEditorsEngine {
  readonly name: string;
  /** Applies one batch and returns how many row changes (+1/-1) its delta has. */
  apply(batch: readonly StoredEvent[]): number;
  /** The view's rows now, in view order (not timed). */
  rows(): TopEditorRow[];
}

/**
 * The output side of a dataflow library, as a subscriber keeps it: each row's
 * multiplicity, so the rows can be listed after any batch.
 */
export class MaterializedRows {
  readonly #multiplicities = new Map<string, { readonly row: TopEditorRow; count: number }>();

  add(row: TopEditorRow, multiplicity: number): void {
    const key = JSON.stringify([row.user, row.edits]);
    const entry = this.#multiplicities.get(key) ?? { row: { user: row.user, edits: row.edits }, count: 0 };
    entry.count += multiplicity;
    if (entry.count === 0) this.#multiplicities.delete(key);
    else this.#multiplicities.set(key, entry);
  }

  /** Rows with a positive multiplicity, each as often as it counts, sorted by `compare`. */
  rows(compare: (a: TopEditorRow, b: TopEditorRow) => number): TopEditorRow[] {
    return [...this.#multiplicities.values()].flatMap(({ row, count }) => Array.from({ length: Math.max(0, count) }, () => row)).sort(compare);
  }
}
