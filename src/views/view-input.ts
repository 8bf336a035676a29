/**
 * What one row of a view is computed from: an event of its channel, or in
 * an inner join the pair of events, one per FROM alias, that matched.
 */
import type { StoredEvent } from '../core/event.js';

export class JoinedEvents {
  readonly #leftAlias: string;
  readonly #left: StoredEvent;
  readonly #right: StoredEvent;

  constructor(leftAlias: string, left: StoredEvent, right: StoredEvent) {
    this.#leftAlias = leftAlias;
    this.#left = left;
    this.#right = right;
  }

  /** The event of `alias` (the parser has checked every alias names one of the two). */
  event(alias: string): StoredEvent {
    return alias === this.#leftAlias ? this.#left : this.#right;
  }
}

export type ViewInput = StoredEvent | JoinedEvents;
