/**
 * The bookkeeping of a reader that follows a replay (a view, a timeline):
 * the last event it applied, so a rebuilt state and a reverse replay never
 * apply an event twice, and what arrives while it rebuilds at a new
 * playhead, held until the rebuild is done. A newer rebuild makes an older
 * one stale.
 */
import { compareReplayOrder, type Position, type StoredEvent } from '../core/event.js';

export class ReplayCursor {
  #applied: Position = { ts: Number.POSITIVE_INFINITY, seq: 0 };
  /** Events delivered during a rebuild; undefined when none runs. */
  #held: StoredEvent[] | undefined = undefined;
  /** The furthest playhead seen during a rebuild. */
  #heldPositionMs = Number.NEGATIVE_INFINITY;
  #generation = 0;

  /** Where the reader's state is, in event time; a playhead behind it means the replay jumped back. */
  get appliedMs(): number {
    return this.#applied.ts;
  }

  /** Whether a rebuild is running (events are being held). */
  get rebuilding(): boolean {
    return this.#held !== undefined;
  }

  /** Starts a rebuild at playhead `atMs`; returns its ticket for `current`. */
  beginRebuild(atMs: number): number {
    this.#held = [];
    this.#heldPositionMs = atMs;
    return ++this.#generation;
  }

  /** Whether the rebuild with this ticket is still the newest (none started since, no `cancel`). */
  current(ticket: number): boolean {
    return ticket === this.#generation;
  }

  /** Ends a rebuild whose state holds every event up to `atMs`; returns the events held meanwhile and the furthest playhead seen. */
  endRebuild(atMs: number): { readonly events: readonly StoredEvent[]; readonly positionMs: number } {
    const events = this.#held ?? [];
    this.#held = undefined;
    this.#applied = { ts: atMs, seq: Number.MAX_SAFE_INTEGER };
    return { events, positionMs: this.#heldPositionMs };
  }

  /** During a rebuild, holds the event and answers true. */
  hold(event: StoredEvent): boolean {
    this.#held?.push(event);
    return this.#held !== undefined;
  }

  /** During a rebuild, remembers how far the playhead went and answers true. */
  holdPosition(positionMs: number): boolean {
    if (this.#held !== undefined) this.#heldPositionMs = Math.max(this.#heldPositionMs, positionMs);
    return this.#held !== undefined;
  }

  /** True when the event comes after the last one applied (and is now the last); false for one already in the state. */
  advance(event: StoredEvent): boolean {
    if (compareReplayOrder(event, this.#applied) <= 0) return false;
    this.#applied = event;
    return true;
  }

  /** Makes any running rebuild stale. */
  cancel(): void {
    this.#generation += 1;
  }
}
