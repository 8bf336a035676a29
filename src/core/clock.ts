/**
 * The clock every reader runs on (DESIGN "One clock"). Domains take a
 * `Clock`; only `systemClock` touches the real time functions, so schedules
 * are tested on `VirtualClock` and measured on the real one in bench/.
 */

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall time, epoch milliseconds. */
  now(): number;
  /** A monotonic reading in milliseconds (fractional), for scheduling. */
  monotonic(): number;
  /**
   * Calls `callback` after about `delayMs` of monotonic time. The real clock
   * may fire up to a millisecond early (libuv counts whole ms), so a caller
   * that must never be early checks `monotonic()` and re-arms.
   */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    // Under a millisecond, setTimeout would wait a whole one: yield to I/O once instead.
    if (delayMs < 1) {
      const immediate = setImmediate(callback);
      return { cancel: () => clearImmediate(immediate) };
    }
    const timer = setTimeout(callback, Math.floor(delayMs));
    return { cancel: () => clearTimeout(timer) };
  },
});
