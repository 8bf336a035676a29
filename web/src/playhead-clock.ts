/**
 * Where the playhead is between two state messages. The server sends state
 * on every change and about once a second; in between, the position moves
 * at `speed` event-ms per wall-ms from where the last state put it, clamped
 * to the window. Wall times come from the caller (performance.now()).
 */
import type { StateMessage } from '../../client/index.js';

export class PlayheadClock {
  #state: StateMessage | undefined = undefined;
  #receivedAtMs = 0;

  get state(): StateMessage | undefined {
    return this.#state;
  }

  /** True while the position moves by itself (playing or live). */
  get moving(): boolean {
    return this.#state?.status === 'playing' || this.#state?.status === 'live';
  }

  update(state: StateMessage, receivedAtMs: number): void {
    this.#state = state;
    this.#receivedAtMs = receivedAtMs;
  }

  reset(): void {
    this.#state = undefined;
  }

  /** The interpolated playhead (epoch ms), or undefined before the first state. */
  positionAt(nowMs: number): number | undefined {
    const state = this.#state;
    if (state === undefined) return undefined;
    if (!this.moving) return state.position;
    const elapsedMs = Math.max(0, nowMs - this.#receivedAtMs);
    // Live follows the wall clock, whatever speed and window the replay before it had.
    if (state.status === 'live') return state.position + elapsedMs;
    const position = state.position + state.speed * elapsedMs;
    const low = state.start ?? -Infinity;
    const high = state.end ?? Infinity;
    return Math.min(high, Math.max(low, position));
  }
}
