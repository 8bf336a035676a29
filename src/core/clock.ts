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
  /** Calls `callback` once `delayMs` of monotonic time have passed. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(timer) };
  },
});
