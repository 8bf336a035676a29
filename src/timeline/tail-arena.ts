/**
 * The node tails of many keys of one plan in two shared arrays (struct of
 * arrays): each key owns a fixed stripe of a Float64Array (its piece counts,
 * then start, slope and numeric value of every slot) and a stripe of one value array.
 * Keys interleave in a real stream, so a key's state is cold when its next
 * event comes: one contiguous stripe per key is fewer cache misses than two
 * arrays of its own, and nothing per key is left for the collector to trace
 * but the values.
 */
import type { TailLayout } from './tail-layout.js';
import type { PieceValue } from './timeline-piece.js';

const INITIAL_KEYS = 16;

export class TailArena {
  readonly layout: TailLayout;
  /** Doubles per key: the piece counts of every node, then start, slope and numeric value of every slot. */
  readonly numStride: number;
  /** Values per key: one per slot. */
  readonly valStride: number;
  /** Replaced (grown) as keys are added: read it through the arena, never keep it. */
  nums: Float64Array;
  /** One per slot: the value, or undefined when it is a number (kept in the slot's third double). */
  readonly vals: (PieceValue | undefined)[] = [];
  #keys = 0;

  constructor(layout: TailLayout, expectedKeys = INITIAL_KEYS) {
    this.layout = layout;
    this.numStride = layout.initialNums.length;
    this.valStride = layout.initialVals.length;
    this.nums = new Float64Array(this.numStride * Math.max(1, expectedKeys));
  }

  /** A new key's stripe, in the state before any event; returns its index. */
  allocate(): number {
    const key = this.#keys;
    const numBase = key * this.numStride;
    if (numBase + this.numStride > this.nums.length) {
      // Doubling: a key added costs amortised constant copying.
      const grown = new Float64Array(Math.max(this.nums.length * 2, numBase + this.numStride));
      grown.set(this.nums);
      this.nums = grown;
    }
    this.nums.set(this.layout.initialNums, numBase);
    for (const value of this.layout.initialVals) this.vals.push(value);
    this.#keys = key + 1;
    return key;
  }
}
