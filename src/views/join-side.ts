/**
 * One side of a view's inner equi-join: its events by join key, so an event
 * arriving on the other side finds every partner with one lookup (per-event
 * work proportional to its matches, not to history).
 */
import type { StoredEvent } from '../core/event.js';
import { evaluate } from './evaluate-expr.js';
import type { ViewExpr, ViewSource } from './view-plan.js';

export class JoinSide {
  readonly source: ViewSource;
  readonly #keyExpr: ViewExpr;
  /** Join key (as JSON, so 1 and "1" differ as they do for `=`) -> the side's events with it, by seq. */
  readonly #byKey = new Map<string, Map<number, StoredEvent>>();

  constructor(source: ViewSource, keyExpr: ViewExpr) {
    this.source = source;
    this.#keyExpr = keyExpr;
  }

  /** The event's join key, or null when it has none: SQL's NULL = NULL is unknown, so it joins nothing. */
  keyOf(event: StoredEvent): string | null {
    const value = evaluate(this.#keyExpr, event);
    return value === null ? null : JSON.stringify(value);
  }

  add(key: string, event: StoredEvent): void {
    let events = this.#byKey.get(key);
    if (events === undefined) this.#byKey.set(key, (events = new Map()));
    events.set(event.seq, event);
  }

  remove(key: string, event: StoredEvent): void {
    const events = this.#byKey.get(key);
    events?.delete(event.seq);
    if (events?.size === 0) this.#byKey.delete(key);
  }

  partners(key: string): Iterable<StoredEvent> {
    return this.#byKey.get(key)?.values() ?? [];
  }
}
