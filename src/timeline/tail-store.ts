/**
 * One key's node tails, mutated in place: every piece is a slot of two
 * flat arrays (start and slope interleaved in a double array that also
 * holds each node's piece count, the value in a second array), in the region
 * the plan's TailLayout gives each node. Writing keeps a region normal
 * exactly as `appendPiece` does for piece lists: a piece at the same start
 * replaces the last one, and a piece that only continues the last one is
 * dropped. Keys interleave, so a key's state is cold when its next event
 * comes: it is kept in as few objects (cache lines) as possible.
 */
import type { TailLayout } from './tail-layout.js';
import { piece, type Piece, type PieceValue } from './timeline-piece.js';

export interface TailSnapshot {
  readonly nums: readonly number[];
  readonly vals: readonly PieceValue[];
}

function copyInto<T>(target: T[], source: readonly T[]): void {
  for (let index = 0; index < source.length; index += 1) target[index] = source[index] as T;
}

export class TailStore {
  /** The piece count of each node (at the node's index), then start and slope of every slot. */
  readonly #nums: number[];
  readonly #vals: PieceValue[];
  /** By node: first slot of its region (in `#vals`). */
  readonly #offsets: Int32Array;
  /** By node: index in `#nums` of its first slot's start. */
  readonly #numOffsets: Int32Array;
  readonly #capacities: Int32Array;
  readonly #leftSlots: Int32Array;
  readonly #layout: TailLayout;

  constructor(layout: TailLayout) {
    this.#nums = layout.initialNums.slice();
    this.#vals = layout.initialVals.slice();
    this.#offsets = layout.offsets;
    this.#numOffsets = layout.numOffsets;
    this.#capacities = layout.capacities;
    this.#leftSlots = layout.leftSlots;
    this.#layout = layout;
  }

  length(node: number): number {
    return this.#nums[node] as number;
  }

  start(node: number, index: number): number {
    return this.#nums[(this.#numOffsets[node] as number) + 2 * index] as number;
  }

  slope(node: number, index: number): number {
    return this.#nums[(this.#numOffsets[node] as number) + 2 * index + 1] as number;
  }

  value(node: number, index: number): PieceValue {
    return this.#vals[(this.#offsets[node] as number) + index] as PieceValue;
  }

  /** The value of piece `index` at `t`. */
  valueOf(node: number, index: number, t: number): PieceValue {
    const at = (this.#numOffsets[node] as number) + 2 * index;
    const slope = this.#nums[at + 1] as number;
    const value = this.#vals[(this.#offsets[node] as number) + index] as PieceValue;
    return slope === 0 ? value : (value as number) + slope * (t - (this.#nums[at] as number));
  }

  /** Index of the last piece starting at or before `t`, or -1. */
  lastAtOrBefore(node: number, t: number): number {
    let index = (this.#nums[node] as number) - 1;
    while (index >= 0 && this.start(node, index) > t) index -= 1;
    return index;
  }

  /** Index of the piece covering `from` (the first piece when all start after it). */
  coveringIndex(node: number, from: number): number {
    const length = this.#nums[node] as number;
    let index = 0;
    while (index + 1 < length && this.start(node, index + 1) <= from) index += 1;
    return index;
  }

  /** The value at `t`; null before the first piece. */
  tailValueAt(node: number, t: number): PieceValue {
    const index = this.lastAtOrBefore(node, t);
    return index < 0 ? null : this.valueOf(node, index, t);
  }

  clear(node: number): void {
    this.#nums[node] = 0;
  }

  /** Appends keeping the region normal (appendPiece's rule). */
  put(node: number, start: number, value: PieceValue, slope: number): void {
    const nums = this.#nums;
    const first = this.#numOffsets[node] as number;
    let length = nums[node] as number;
    while (length > 0 && (nums[first + 2 * (length - 1)] as number) >= start) length -= 1;
    if (length > 0) {
      const last = first + 2 * (length - 1);
      const lastSlope = nums[last + 1] as number;
      const lastValue = this.#vals[(this.#offsets[node] as number) + length - 1] as PieceValue;
      if (lastSlope === slope && (lastSlope === 0 ? lastValue : (lastValue as number) + lastSlope * (start - (nums[last] as number))) === value) {
        nums[node] = length;
        return;
      }
    }
    if (length >= (this.#capacities[node] as number)) throw new RangeError(`timeline node ${node} needs more than its ${this.#capacities[node]} pieces (a bound of the layout is wrong)`);
    nums[first + 2 * length] = start;
    nums[first + 2 * length + 1] = slope;
    this.#vals[(this.#offsets[node] as number) + length] = value;
    nums[node] = length + 1;
  }

  /** Writes a piece as it is (restoring a saved tail). */
  putRaw(node: number, p: Piece): void {
    const length = this.#nums[node] as number;
    if (length >= (this.#capacities[node] as number)) throw new RangeError(`a saved tail of timeline node ${node} has more than ${this.#capacities[node]} pieces`);
    this.#nums[(this.#numOffsets[node] as number) + 2 * length] = p.start;
    this.#nums[(this.#numOffsets[node] as number) + 2 * length + 1] = p.slope;
    this.#vals[(this.#offsets[node] as number) + length] = p.value;
    this.#nums[node] = length + 1;
  }

  hasLeft(node: number): boolean {
    return (this.#leftSlots[node] as number) >= 0;
  }

  leftValue(node: number): PieceValue {
    return this.#vals[this.#leftSlots[node] as number] as PieceValue;
  }

  leftSlope(node: number): number {
    return this.#nums[this.#layout.nodeCount + 2 * (this.#leftSlots[node] as number) + 1] as number;
  }

  setLeft(node: number, value: PieceValue, slope: number): void {
    const slot = this.#leftSlots[node] as number;
    this.#vals[slot] = value;
    this.#nums[this.#layout.nodeCount + 2 * slot + 1] = slope;
  }

  /** Sets the node's left limit at `t`: the state of its tail just before `t` (unknown when none). */
  takeLeft(node: number, t: number): void {
    let index = (this.#nums[node] as number) - 1;
    while (index >= 0 && this.start(node, index) >= t) index -= 1;
    if (index < 0) this.setLeft(node, null, 0);
    else this.setLeft(node, this.valueOf(node, index, t), this.slope(node, index));
  }

  /** The node's tail as pieces (durable checkpoints, reads). */
  tail(node: number): Piece[] {
    const out: Piece[] = [];
    for (let index = 0; index < this.length(node); index += 1) out.push(piece(this.start(node, index), this.value(node, index), this.slope(node, index)));
    return out;
  }

  /** A copy of the whole state (an in-memory checkpoint). */
  snapshotTails(): TailSnapshot {
    return { nums: this.#nums.slice(), vals: this.#vals.slice() };
  }

  /** Overwrites the state with a snapshot, in place. */
  restoreTails(snapshot: TailSnapshot): void {
    copyInto(this.#nums, snapshot.nums);
    copyInto(this.#vals, snapshot.vals);
  }

  /** Back to the state before any event. */
  resetTails(): void {
    copyInto(this.#nums, this.#layout.initialNums);
    copyInto(this.#vals, this.#layout.initialVals);
  }
}
