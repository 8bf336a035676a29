/**
 * One key's node tails, mutated in place: every piece is a slot of three
 * flat arrays (start and slope interleaved in a double array, the value in a
 * second one), in the region the plan's TailLayout gives each node, with the
 * node's piece count beside them. Writing keeps a region normal exactly as
 * `appendPiece` does for piece lists: a piece at the same start replaces the
 * last one, and a piece that only continues the last one is dropped.
 */
import type { TailLayout } from './tail-layout.js';
import { piece, type Piece, type PieceValue } from './timeline-piece.js';

export class TailStore {
  /** start, slope of every slot. */
  readonly #nums: number[];
  readonly #vals: PieceValue[];
  /** Pieces held by each node. */
  readonly #lens: number[];
  readonly #offsets: Int32Array;
  readonly #capacities: Int32Array;
  readonly #leftSlots: Int32Array;

  constructor(layout: TailLayout) {
    this.#nums = layout.initialNums.slice();
    this.#vals = layout.initialVals.slice();
    this.#lens = new Array<number>(layout.offsets.length).fill(0);
    this.#offsets = layout.offsets;
    this.#capacities = layout.capacities;
    this.#leftSlots = layout.leftSlots;
  }

  length(node: number): number {
    return this.#lens[node] as number;
  }

  start(node: number, index: number): number {
    return this.#nums[2 * ((this.#offsets[node] as number) + index)] as number;
  }

  slope(node: number, index: number): number {
    return this.#nums[2 * ((this.#offsets[node] as number) + index) + 1] as number;
  }

  value(node: number, index: number): PieceValue {
    return this.#vals[(this.#offsets[node] as number) + index] as PieceValue;
  }

  /** The value of piece `index` at `t`. */
  valueOf(node: number, index: number, t: number): PieceValue {
    const slot = (this.#offsets[node] as number) + index;
    const slope = this.#nums[2 * slot + 1] as number;
    const value = this.#vals[slot] as PieceValue;
    return slope === 0 ? value : (value as number) + slope * (t - (this.#nums[2 * slot] as number));
  }

  /** Index of the last piece starting at or before `t`, or -1. */
  lastAtOrBefore(node: number, t: number): number {
    let index = (this.#lens[node] as number) - 1;
    while (index >= 0 && this.start(node, index) > t) index -= 1;
    return index;
  }

  /** Index of the piece covering `from` (the first piece when all start after it). */
  coveringIndex(node: number, from: number): number {
    const length = this.#lens[node] as number;
    let index = 0;
    while (index + 1 < length && this.start(node, index + 1) <= from) index += 1;
    return index;
  }

  /** The value at `t`; null before the first piece. */
  valueAt(node: number, t: number): PieceValue {
    const index = this.lastAtOrBefore(node, t);
    return index < 0 ? null : this.valueOf(node, index, t);
  }

  clear(node: number): void {
    this.#lens[node] = 0;
  }

  /** Appends keeping the region normal (appendPiece's rule). */
  put(node: number, start: number, value: PieceValue, slope: number): void {
    const offset = this.#offsets[node] as number;
    const nums = this.#nums;
    let length = this.#lens[node] as number;
    while (length > 0 && (nums[2 * (offset + length - 1)] as number) >= start) length -= 1;
    if (length > 0) {
      const last = offset + length - 1;
      const lastSlope = nums[2 * last + 1] as number;
      const lastValue = this.#vals[last] as PieceValue;
      if (lastSlope === slope && (lastSlope === 0 ? lastValue : (lastValue as number) + lastSlope * (start - (nums[2 * last] as number))) === value) {
        this.#lens[node] = length;
        return;
      }
    }
    if (length >= (this.#capacities[node] as number)) throw new RangeError(`timeline node ${node} needs more than its ${this.#capacities[node]} pieces (a bound of the layout is wrong)`);
    const slot = offset + length;
    nums[2 * slot] = start;
    nums[2 * slot + 1] = slope;
    this.#vals[slot] = value;
    this.#lens[node] = length + 1;
  }

  /** Writes a piece as it is (restoring a saved tail). */
  putRaw(node: number, p: Piece): void {
    const length = this.#lens[node] as number;
    if (length >= (this.#capacities[node] as number)) throw new RangeError(`a saved tail of timeline node ${node} has more than ${this.#capacities[node]} pieces`);
    const slot = (this.#offsets[node] as number) + length;
    this.#nums[2 * slot] = p.start;
    this.#nums[2 * slot + 1] = p.slope;
    this.#vals[slot] = p.value;
    this.#lens[node] = length + 1;
  }

  leftValue(node: number): PieceValue {
    return this.#vals[this.#leftSlots[node] as number] as PieceValue;
  }

  leftSlope(node: number): number {
    return this.#nums[2 * (this.#leftSlots[node] as number) + 1] as number;
  }

  hasLeft(node: number): boolean {
    return (this.#leftSlots[node] as number) >= 0;
  }

  /** Sets the node's left limit at `t`: the state of its tail just before `t` (unknown when none). */
  takeLeft(node: number, t: number): void {
    const slot = this.#leftSlots[node] as number;
    let index = (this.#lens[node] as number) - 1;
    while (index >= 0 && this.start(node, index) >= t) index -= 1;
    if (index < 0) {
      this.#vals[slot] = null;
      this.#nums[2 * slot + 1] = 0;
      return;
    }
    this.#vals[slot] = this.valueOf(node, index, t);
    this.#nums[2 * slot + 1] = this.slope(node, index);
  }

  setLeft(node: number, value: PieceValue, slope: number): void {
    const slot = this.#leftSlots[node] as number;
    this.#vals[slot] = value;
    this.#nums[2 * slot + 1] = slope;
  }

  /** The node's tail as pieces (durable checkpoints, reads). */
  tail(node: number): Piece[] {
    const out: Piece[] = [];
    for (let index = 0; index < (this.#lens[node] as number); index += 1) out.push(piece(this.start(node, index), this.value(node, index), this.slope(node, index)));
    return out;
  }

  /** A copy of the whole state (an in-memory checkpoint). */
  snapshot(): TailSnapshot {
    return { nums: this.#nums.slice(), vals: this.#vals.slice(), lens: this.#lens.slice() };
  }

  /** Overwrites the state with a snapshot, in place. */
  restore(snapshot: TailSnapshot): void {
    copyInto(this.#nums, snapshot.nums);
    copyInto(this.#vals, snapshot.vals);
    copyInto(this.#lens, snapshot.lens);
  }

  /** Back to the state before any event. */
  reset(layout: TailLayout): void {
    copyInto(this.#nums, layout.initialNums);
    copyInto(this.#vals, layout.initialVals);
    this.#lens.fill(0);
  }
}

export interface TailSnapshot {
  readonly nums: readonly number[];
  readonly vals: readonly PieceValue[];
  readonly lens: readonly number[];
}

function copyInto<T>(target: T[], source: readonly T[]): void {
  for (let index = 0; index < source.length; index += 1) target[index] = source[index] as T;
}
