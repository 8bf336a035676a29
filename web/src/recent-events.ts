/**
 * The latest delivered events, newest first, in a fixed-size ring: a replay
 * at 1000x delivers thousands of events a second, and the page keeps only
 * the last `capacity` of them.
 */
import type { WireEvent } from '../../client/index.js';

export class RecentEvents {
  readonly capacity: number;
  readonly #ring: (WireEvent | undefined)[];
  /** Ring index of the next write. */
  #next = 0;
  #length = 0;
  /** Every event delivered since the last clear, kept or not. */
  #delivered = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be an integer >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.#ring = new Array<WireEvent | undefined>(capacity).fill(undefined);
  }

  get length(): number {
    return this.#length;
  }

  get delivered(): number {
    return this.#delivered;
  }

  push(event: WireEvent): void {
    this.#ring[this.#next] = event;
    this.#next = (this.#next + 1) % this.capacity;
    this.#length = Math.min(this.capacity, this.#length + 1);
    this.#delivered += 1;
  }

  /** The event `index` places back from the newest (0 is the newest). */
  at(index: number): WireEvent | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    return this.#ring[(this.#next - 1 - index + this.capacity) % this.capacity];
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#next = 0;
    this.#length = 0;
    this.#delivered = 0;
  }
}
