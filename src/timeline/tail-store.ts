/**
 * One key's node tails, mutated in place: every piece is a slot of the key's
 * stripe in a TailArena (start, slope and a numeric value interleaved in the
 * arena's doubles, after each node's piece count; any other value in its
 * value array, so writing a number allocates no heap box), in the
 * region the plan's TailLayout gives each node. Writing keeps a region
 * normal exactly as `appendPiece` does for piece lists: a piece at the same
 * start replaces the last one, and a piece that only continues the last one
 * is dropped. Keys interleave, so a key's state is cold when its next event
 * comes: it is kept in one stripe of arrays every key shares.
 */
import { TailArena } from './tail-arena.js';
import { SLOT_DOUBLES, type TailLayout } from './tail-layout.js';
import { piece, type Piece, type PieceValue } from './timeline-piece.js';

/** Doubles in a 64-byte cache line. */
const DOUBLES_PER_LINE = 8;

function copyInto<T>(target: T[], at: number, source: readonly T[]): void {
  for (let index = 0; index < source.length; index += 1) target[at + index] = source[index] as T;
}

export interface TailSnapshot {
  readonly nums: Float64Array;
  /** undefined: the number is in `nums`. */
  readonly vals: readonly (PieceValue | undefined)[];
}

export class TailStore {
  /** Holds this key's stripe: the piece count of each node (at base + the node's index), then start, slope and number of every slot; the other values. */
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

  /** Reads one double of each cache line of this key's stripe and its first value (TimelineEvaluator.pushAll); the sum means nothing. */
  touchTails(): number {
    const nums = this.#arena.nums;
    let sum = 0;
    for (let at = this.#numBase, end = at + this.#arena.numStride; at < end; at += DOUBLES_PER_LINE) sum += nums[at] as number;
    return this.#arena.vals[this.#valBase] === undefined ? sum : sum + 1;
  }

  length(node: number): number {
    return this.#arena.nums[this.#numBase + node] as number;
  }

  start(node: number, index: number): number {
    return this.#arena.nums[(this.#numBase + (this.#numOffsets[node] as number)) + SLOT_DOUBLES * index] as number;
  }

  slope(node: number, index: number): number {
    return this.#arena.nums[(this.#numBase + (this.#numOffsets[node] as number)) + SLOT_DOUBLES * index + 1] as number;
  }

  value(node: number, index: number): PieceValue {
    const value = this.rawValue(node, index);
    return value === undefined ? this.number(node, index) : value;
  }

  /** The value of piece `index`, or undefined when it is a number (then `number` reads it). */
  rawValue(node: number, index: number): PieceValue | undefined {
    return this.#arena.vals[(this.#valBase + (this.#offsets[node] as number)) + index];
  }

  /** The numeric value of piece `index` at its start (see `rawValue`). */
  number(node: number, index: number): number {
    return this.#arena.nums[(this.#numBase + (this.#numOffsets[node] as number)) + SLOT_DOUBLES * index + 2] as number;
  }

  /** The value of piece `index` at `t`. */
  valueOf(node: number, index: number, t: number): PieceValue {
    const nums = this.#arena.nums;
    const at = (this.#numBase + (this.#numOffsets[node] as number)) + SLOT_DOUBLES * index;
    const slope = nums[at + 1] as number;
    const value = this.#arena.vals[(this.#valBase + (this.#offsets[node] as number)) + index];
    if (value !== undefined) return value;
    const number = nums[at + 2] as number;
    return slope === 0 ? number : number + slope * (t - (nums[at] as number));
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
    while (length > 0 && (nums[first + SLOT_DOUBLES * (length - 1)] as number) >= start) length -= 1;
    if (length > 0) {
      const last = first + SLOT_DOUBLES * (length - 1);
      const lastSlope = nums[last + 1] as number;
      const stored = vals[valFirst + length - 1];
      const lastValue = stored === undefined ? (nums[last + 2] as number) : stored;
      if (lastSlope === slope && (lastSlope === 0 ? lastValue : (lastValue as number) + lastSlope * (start - (nums[last] as number))) === value) {
        nums[countAt] = length;
        return;
      }
    }
    if (length >= (this.#capacities[node] as number)) throw new RangeError(`timeline node ${node} needs more than its ${this.#capacities[node]} pieces (a bound of the layout is wrong)`);
    this.#write(first + SLOT_DOUBLES * length, valFirst + length, start, value, slope);
    nums[countAt] = length + 1;
  }

  /** Writes a piece as it is (restoring a saved tail). */
  putRaw(node: number, p: Piece): void {
    const length = this.length(node);
    if (length >= (this.#capacities[node] as number)) throw new RangeError(`a saved tail of timeline node ${node} has more than ${this.#capacities[node]} pieces`);
    this.#write((this.#numBase + (this.#numOffsets[node] as number)) + SLOT_DOUBLES * length, (this.#valBase + (this.#offsets[node] as number)) + length, p.start, p.value, p.slope);
    this.#arena.nums[this.#numBase + node] = length + 1;
  }

  /** A number goes into the slot's third double (a number in the value array would be a heap box per write): the value array then holds undefined. */
  #write(numAt: number, valAt: number, start: number, value: PieceValue, slope: number): void {
    const nums = this.#arena.nums;
    nums[numAt] = start;
    nums[numAt + 1] = slope;
    if (typeof value === 'number') {
      nums[numAt + 2] = value;
      this.#arena.vals[valAt] = undefined;
    } else this.#arena.vals[valAt] = value;
  }

  hasLeft(node: number): boolean {
    return (this.#leftSlots[node] as number) >= 0;
  }

  leftValue(node: number): PieceValue {
    const slot = this.#leftSlots[node] as number;
    const value = this.#arena.vals[this.#valBase + slot];
    return value === undefined ? (this.#arena.nums[this.#numBase + this.#layout.nodeCount + SLOT_DOUBLES * slot + 2] as number) : value;
  }

  leftSlope(node: number): number {
    return this.#arena.nums[this.#numBase + this.#layout.nodeCount + SLOT_DOUBLES * (this.#leftSlots[node] as number) + 1] as number;
  }

  setLeft(node: number, value: PieceValue, slope: number): void {
    const slot = this.#leftSlots[node] as number;
    this.#write(this.#numBase + this.#layout.nodeCount + SLOT_DOUBLES * slot, this.#valBase + slot, 0, value, slope);
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
