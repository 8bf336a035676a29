/** A clock that moves only when told to: deterministic tests of anything timed. */
import type { Clock, TimerHandle } from './clock.js';

interface PendingTimer {
  readonly dueMs: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  readonly #startEpochMs: number;
  /** Kept apart from the epoch so fractional ms stay exact (an epoch-sized double has ~0.2 µs steps). */
  #monotonicMs = 0;
  #timers: PendingTimer[] = [];
  #created = 0;

  constructor(startEpochMs = 0) {
    this.#startEpochMs = startEpochMs;
  }

  now(): number {
    return this.#startEpochMs + Math.floor(this.#monotonicMs);
  }

  monotonic(): number {
    return this.#monotonicMs;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: PendingTimer = { dueMs: this.#monotonicMs + Math.max(0, delayMs), order: this.#created++, callback, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Moves time forward by `ms`, firing due timers in order, each at its due time. */
  advance(ms: number): void {
    const targetMs = this.#monotonicMs + ms;
    for (;;) {
      const next = this.#nextDue();
      if (next === undefined || next.dueMs > targetMs) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#monotonicMs = Math.max(this.#monotonicMs, next.dueMs);
      next.callback();
    }
    this.#monotonicMs = targetMs;
  }

  /** Monotonic time of the earliest pending timer, or undefined. */
  get nextTimerMs(): number | undefined {
    return this.#nextDue()?.dueMs;
  }

  #nextDue(): PendingTimer | undefined {
    this.#timers = this.#timers.filter((timer) => !timer.cancelled);
    let best: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (best === undefined || timer.dueMs < best.dueMs || (timer.dueMs === best.dueMs && timer.order < best.order)) best = timer;
    }
    return best;
  }
}
