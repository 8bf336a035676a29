/**
 * One timer for every playback session (DESIGN: 1,000 sessions x 100 ev/s
 * need one wheel, not a timer per session). Tasks wait in a min-heap by due
 * time; the clock is armed for the earliest only, and a task never runs
 * before its due time: an early wake-up re-arms for the remainder. Each
 * turn runs only what was due when it began, so a wheel that falls behind
 * still yields to I/O between turns (controls, HTTP, health checks).
 */
import type { Clock, TimerHandle } from '../core/clock.js';

export interface ScheduledTask {
  cancel(): void;
}

interface Entry {
  readonly dueMs: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export class TimerWheel {
  readonly #clock: Clock;
  readonly #heap: Entry[] = [];
  #armed: TimerHandle | undefined = undefined;
  #armedDueMs = Number.POSITIVE_INFINITY;
  #created = 0;
  #running = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Runs `callback` at monotonic time `dueMs` or just after, never before. */
  schedule(dueMs: number, callback: () => void): ScheduledTask {
    const entry: Entry = { dueMs, order: this.#created++, callback, cancelled: false };
    this.#push(entry);
    if (!this.#running && dueMs < this.#armedDueMs) this.#arm();
    return { cancel: () => void (entry.cancelled = true) };
  }

  close(): void {
    this.#armed?.cancel();
    this.#armed = undefined;
    this.#heap.length = 0;
  }

  #fire = (): void => {
    this.#armed = undefined;
    this.#armedDueMs = Number.POSITIVE_INFINITY;
    this.#running = true;
    const turnMs = this.#clock.monotonic();
    try {
      for (;;) {
        const top = this.#heap[0];
        if (top === undefined || top.dueMs > turnMs) break;
        this.#pop();
        if (!top.cancelled) top.callback();
      }
    } finally {
      this.#running = false;
      this.#arm();
    }
  };

  #arm(): void {
    while (this.#heap[0]?.cancelled) this.#pop();
    const top = this.#heap[0];
    this.#armed?.cancel();
    this.#armed = undefined;
    this.#armedDueMs = Number.POSITIVE_INFINITY;
    if (top === undefined) return;
    this.#armedDueMs = top.dueMs;
    this.#armed = this.#clock.setTimer(top.dueMs - this.#clock.monotonic(), this.#fire);
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index] as Entry, heap[parent] as Entry)) break;
      [heap[index], heap[parent]] = [heap[parent] as Entry, heap[index] as Entry];
      index = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop() as Entry;
    if (heap.length === 0) return;
    heap[0] = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && before(heap[left] as Entry, heap[smallest] as Entry)) smallest = left;
      if (right < heap.length && before(heap[right] as Entry, heap[smallest] as Entry)) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest] as Entry, heap[index] as Entry];
      index = smallest;
    }
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.order < b.order);
}
