/**
 * The events many keys retain for late ones, in one log shared by an
 * evaluator's keys: appended in arrival order to typed arrays (time, seq,
 * a link to the same key's previous row) and one array of column values,
 * each key chaining its own rows newest first in (ts, seq) order. Keys
 * interleave, so arrays of each key's own meant a cold array (and its growth,
 * promoted) per event; an append here writes where the previous one did.
 * Keys that drop rows (the late horizon) report it; when the log is full
 * it doubles (rows stay where they are), unless at most half of it is still
 * retained: then every key's chain is copied into a fresh log of the same
 * size (compaction), so its size follows what is retained.
 */
import type { Scalar } from './timeline-piece.js';

const INITIAL_ROWS = 1 << 12;

/** A key with rows in the log: it moves its chain when the log compacts. */
export interface RowChain {
  /** Copies its retained rows from `from` into the log `into` (see `RowLog.relocate`). */
  relocate(from: RowLogArrays, into: RowLog): void;
}

export interface RowLogArrays {
  readonly ts: Float64Array;
  readonly seq: Float64Array;
  readonly prev: Int32Array;
  readonly values: (Scalar | undefined)[];
}

function grown<T extends Float64Array | Int32Array>(array: T): T {
  const out = new (array.constructor as new (length: number) => T)(2 * array.length);
  out.set(array);
  return out;
}

export class RowLog implements RowLogArrays {
  readonly columns: number;
  /** Replaced when the log grows or compacts (only inside `append` and `reserve`): read them through the log, never keep them. */
  ts: Float64Array;
  seq: Float64Array;
  /** Index of the same key's previous row; meaningless past the key's retained count. */
  prev: Int32Array;
  values: (Scalar | undefined)[] = [];
  length = 0;
  /** Rows some key still retains. */
  #retained = 0;
  readonly #chains = new Set<RowChain>();

  constructor(columns: number, initialRows = INITIAL_ROWS) {
    this.columns = columns;
    this.ts = new Float64Array(initialRows);
    this.seq = new Float64Array(initialRows);
    this.prev = new Int32Array(initialRows);
  }

  join(chain: RowChain): void {
    this.#chains.add(chain);
  }

  /** The chain's rows are no longer read (its key was replaced). */
  leave(chain: RowChain, retained: number): void {
    this.#chains.delete(chain);
    this.#retained -= retained;
  }

  /** `count` retained rows were dropped by their key. */
  release(count: number): void {
    this.#retained -= count;
  }

  /** Makes room for one row, moving every chain when the log compacts: row indices read after it stay valid through the next `append`. */
  reserve(): void {
    if (this.length < this.ts.length) return;
    if (2 * this.#retained > this.ts.length) {
      // Growing keeps every row where it is: copied, nothing to relink.
      this.ts = grown(this.ts);
      this.seq = grown(this.seq);
      this.prev = grown(this.prev);
      return;
    }
    const from: RowLogArrays = { ts: this.ts, seq: this.seq, prev: this.prev, values: this.values };
    this.ts = new Float64Array(this.ts.length);
    this.seq = new Float64Array(this.seq.length);
    this.prev = new Int32Array(this.prev.length);
    this.values = [];
    this.length = 0;
    this.#retained = 0;
    for (const chain of this.#chains) chain.relocate(from, this);
  }

  /** Appends a retained row whose columns are `values[base..]`; returns its index. Call `reserve` first (it may move every chain, `prev` too). */
  append(ts: number, seq: number, values: readonly (Scalar | undefined)[], base: number, prev: number): number {
    const at = this.length;
    this.ts[at] = ts;
    this.seq[at] = seq;
    this.prev[at] = prev;
    const columns = this.columns;
    const out = this.values;
    for (let column = 0; column < columns; column += 1) out[at * columns + column] = values[base + column];
    this.length = at + 1;
    this.#retained += 1;
    return at;
  }
}
