/**
 * One key's node tails, mutated in place: every piece is a slot of the key's
 * stripe in a TailArena (start and slope interleaved in the arena's doubles,
 * after each node's piece count; the value in its value array), in the
 * region the plan's TailLayout gives each node. Writing keeps a region
 * normal exactly as `appendPiece` does for piece lists: a piece at the same
 * start replaces the last one, and a piece that only continues the last one
 * is dropped. Keys interleave, so a key's state is cold when its next event
 * comes: it is kept in one stripe of arrays every key shares.
 */
import { TailArena } from './tail-arena.js';
import type { TailLayout } from './tail-layout.js';
import { piece, type Piece, type PieceValue } from './timeline-piece.js';

function copyInto<T>(target: T[], at: number, source: readonly T[]): void {
  for (let index = 0; index < source.length; index += 1) target[at + index] = source[index] as T;
}

export interface TailSnapshot {
  readonly nums: Float64Array;
  readonly vals: readonly PieceValue[];
}

export class TailStore {
  /** Holds this key's stripe: the piece count of each node (at base + the node's index), then start and slope of every slot; the values. */
  readonly #arena: TailArena;
  /** Where this key's stripe starts in the arena's doubles and in its values. */
  readonly #numBase: number;
  readonly #valBase: number;
  /** By node: first slot of its region, within a stripe of values. */
  readonly #offsets: Int32Array;
  /** By node: index of its first slot's start, within a stripe of doubles. */
  readonly #numOffsets: Int32Array;
  readonly #capacities: Int32Array;
  readonly #leftSlots: Int32Array;
  readonly #layout: TailLayout;

  /** Without an arena, the key gets one of its own (a KeyTimeline used alone). */
  constructor(layout: TailLayout, arena: TailArena = new TailArena(layout, 1)) {
    if (arena.layout !== layout) throw new TypeError('a TailStore must use an arena made for its own layout');
    this.#arena = arena;
    const key = arena.allocate();
    this.#numBase = key * arena.numStride;
    this.#valBase = key * arena.valStride;
    // Shared by every key (per-key copies would be one more cold object per event).
    this.#offsets = layout.offsets;
    this.#numOffsets = layout.numOffsets;
    this.#capacities = layout.capacities;
    this.#leftSlots = layout.leftSlots;
    this.#layout = layout;
  }

  length(node: number): number {
    return this.#arena.nums[this.#numBase + node] as number;
  }

  start(node: number, index: number): number {
    return this.#arena.nums[(this.#numBase + (this.#numOffsets[node] as number)) + 2 * index] as number;
  }

  slope(node: number, index: number): number {
    return this.#arena.nums[(this.#numBase + (this.#numOffsets[node] as number)) + 2 * index + 1] as number;
  }

  value(node: number, index: number): PieceValue {
    return this.#arena.vals[(this.#valBase + (this.#offsets[node] as number)) + index] as PieceValue;
  }

  /** The value of piece `index` at `t`. */
  valueOf(node: number, index: number, t: number): PieceValue {
    const nums = this.#arena.nums;
    const at = (this.#numBase + (this.#numOffsets[node] as number)) + 2 * index;
    const slope = nums[at + 1] as number;
    const value = this.#arena.vals[(this.#valBase + (this.#offsets[node] as number)) + index] as PieceValue;
    return slope === 0 ? value : (value as number) + slope * (t - (nums[at] as number));
  }

  /** Index of the last piece starting at or before `t`, or -1. */
  lastAtOrBefore(node: number, t: number): number {
    let index = this.length(node) - 1;
    while (index >= 0 && this.start(node, index) > t) index -= 1;
    return index;
  }

  /** Index of the piece covering `from` (the first piece when all start after it). */
  coveringIndex(node: number, from: number): number {
    const length = this.length(node);
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
    this.#arena.nums[this.#numBase + node] = 0;
  }

  /** Appends keeping the region normal (appendPiece's rule). */
  put(node: number, start: number, value: PieceValue, slope: number): void {
    const nums = this.#arena.nums;
    const vals = this.#arena.vals;
    const first = this.#numBase + (this.#numOffsets[node] as number);
    const valFirst = this.#valBase + (this.#offsets[node] as number);
    const countAt = this.#numBase + node;
    let length = nums[countAt] as number;
    while (length > 0 && (nums[first + 2 * (length - 1)] as number) >= start) length -= 1;
    if (length > 0) {
      const last = first + 2 * (length - 1);
      const lastSlope = nums[last + 1] as number;
      const lastValue = vals[valFirst + length - 1] as PieceValue;
      if (lastSlope === slope && (lastSlope === 0 ? lastValue : (lastValue as number) + lastSlope * (start - (nums[last] as number))) === value) {
        nums[countAt] = length;
        return;
      }
    }
    if (length >= (this.#capacities[node] as number)) throw new RangeError(`timeline node ${node} needs more than its ${this.#capacities[node]} pieces (a bound of the layout is wrong)`);
    nums[first + 2 * length] = start;
    nums[first + 2 * length + 1] = slope;
    vals[valFirst + length] = value;
    nums[countAt] = length + 1;
  }

  /** Writes a piece as it is (restoring a saved tail). */
  putRaw(node: number, p: Piece): void {
    const nums = this.#arena.nums;
    const length = this.length(node);
    if (length >= (this.#capacities[node] as number)) throw new RangeError(`a saved tail of timeline node ${node} has more than ${this.#capacities[node]} pieces`);
    nums[(this.#numBase + (this.#numOffsets[node] as number)) + 2 * length] = p.start;
    nums[(this.#numBase + (this.#numOffsets[node] as number)) + 2 * length + 1] = p.slope;
    this.#arena.vals[(this.#valBase + (this.#offsets[node] as number)) + length] = p.value;
    nums[this.#numBase + node] = length + 1;
  }

  hasLeft(node: number): boolean {
    return (this.#leftSlots[node] as number) >= 0;
  }

  leftValue(node: number): PieceValue {
    return this.#arena.vals[this.#valBase + (this.#leftSlots[node] as number)] as PieceValue;
  }

  leftSlope(node: number): number {
    return this.#arena.nums[this.#numBase + this.#layout.nodeCount + 2 * (this.#leftSlots[node] as number) + 1] as number;
  }

  setLeft(node: number, value: PieceValue, slope: number): void {
    const slot = this.#leftSlots[node] as number;
    this.#arena.vals[this.#valBase + slot] = value;
    this.#arena.nums[this.#numBase + this.#layout.nodeCount + 2 * slot + 1] = slope;
  }

  /** Sets the node's left limit at `t`: the state of its tail just before `t` (unknown when none). */
  takeLeft(node: number, t: number): void {
    let index = this.length(node) - 1;
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
    const { nums, vals, numStride, valStride } = this.#arena;
    return { nums: nums.slice(this.#numBase, this.#numBase + numStride), vals: vals.slice(this.#valBase, this.#valBase + valStride) };
  }

  /** Overwrites the state with a snapshot, in place. */
  restoreTails(snapshot: TailSnapshot): void {
    this.#arena.nums.set(snapshot.nums, this.#numBase);
    copyInto(this.#arena.vals, this.#valBase, snapshot.vals);
  }

  /** Back to the state before any event. */
  resetTails(): void {
    this.#arena.nums.set(this.#layout.initialNums, this.#numBase);
    copyInto(this.#arena.vals, this.#valBase, this.#layout.initialVals);
  }
}
