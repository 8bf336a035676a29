import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock, TimerHandle } from '../../src/core/clock.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { TimerWheel } from '../../src/playback/timer-wheel.js';

/** A clock whose time and timers the test moves by hand: timers fire only when told, whatever their delay. */
class ManualClock implements Clock {
  nowMs = 0;
  readonly #timers: (() => void)[] = [];

  now(): number {
    return this.nowMs;
  }

  monotonic(): number {
    return this.nowMs;
  }

  setTimer(_delayMs: number, callback: () => void): TimerHandle {
    this.#timers.push(callback);
    return { cancel: () => undefined };
  }

  get armed(): number {
    return this.#timers.length;
  }

  fireNext(): void {
    this.#timers.shift()?.();
  }
}

describe('TimerWheel #schedule', () => {
  it('runs tasks in due order, each at its due time, never before', () => {
    const clock = new VirtualClock();
    const wheel = new TimerWheel(clock);
    const ran: [string, number][] = [];
    for (const [name, dueMs] of [['c', 30], ['a', 10], ['b', 10.5], ['d', 30]] as const) {
      wheel.schedule(dueMs, () => ran.push([name, clock.monotonic()]));
    }
    const cancelled = wheel.schedule(20, () => ran.push(['x', clock.monotonic()]));
    cancelled.cancel();
    clock.advance(100);
    assert.deepEqual(ran, [['a', 10], ['b', 10.5], ['c', 30], ['d', 30]]);
  });

  it('re-arms when the clock wakes it early', () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel(clock);
    let ran = false;
    wheel.schedule(5, () => (ran = true));
    clock.nowMs = 4.2;
    clock.fireNext();
    assert.equal(ran, false, 'not before its due time');
    assert.equal(clock.armed, 1, 'armed again for the remainder');
    clock.nowMs = 5;
    clock.fireNext();
    assert.equal(ran, true);
  });

  it('yields between turns when tasks keep falling due while it runs', () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel(clock);
    let runs = 0;
    // Each task takes 1 ms and schedules the next one 0.5 ms after it was due: always behind.
    const task = (dueMs: number) => wheel.schedule(dueMs, () => {
      runs += 1;
      clock.nowMs += 1;
      task(dueMs + 0.5);
    });
    task(0);
    clock.fireNext();
    assert.equal(runs, 1, 'one turn ran only what was due when it began');
    assert.equal(clock.armed, 1, 'and handed back to the event loop');
  });
});
