/**
 * Events delivered per second of wall time, over a rolling window: one
 * counter per whole second, in a ring as long as the window.
 */

const MS_PER_SECOND = 1000;

export class EventRate {
  readonly windowSeconds: number;
  readonly #counts: number[];
  /** The whole second each ring slot counts, so stale slots read as 0. */
  readonly #seconds: number[];

  constructor(windowSeconds: number) {
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new RangeError(`windowSeconds must be an integer >= 1, got ${windowSeconds}`);
    this.windowSeconds = windowSeconds;
    this.#counts = new Array<number>(windowSeconds).fill(0);
    this.#seconds = new Array<number>(windowSeconds).fill(-1);
  }

  record(count: number, nowMs: number): void {
    const second = Math.floor(nowMs / MS_PER_SECOND);
    const slot = second % this.windowSeconds;
    if (this.#seconds[slot] !== second) {
      this.#seconds[slot] = second;
      this.#counts[slot] = 0;
    }
    this.#counts[slot] = (this.#counts[slot] ?? 0) + count;
  }

  /**
   * The completed seconds of the window, oldest first: x in epoch seconds,
   * y in events. The current second is left out until it is complete.
   */
  series(nowMs: number): [seconds: number[], counts: number[]] {
    const current = Math.floor(nowMs / MS_PER_SECOND);
    const seconds: number[] = [];
    const counts: number[] = [];
    for (let second = current - this.windowSeconds + 1; second < current; second++) {
      const slot = second % this.windowSeconds;
      seconds.push(second);
      counts.push(this.#seconds[slot] === second ? (this.#counts[slot] ?? 0) : 0);
    }
    return [seconds, counts];
  }
}
