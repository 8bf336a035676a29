/**
 * The net change of one write to one feed, shared by the feed adapters: each
 * touched item's state before the write and after it, so an item added then
 * trimmed in the same write is no change, and a moved item is one removal
 * plus one addition.
 */
import type { FeedChange, FeedItem, FeedPosition } from './feed-store.js';

/** A stored row as the adapters read it: data still as JSON text. */
export interface FeedRow {
  readonly id: string;
  readonly time: number;
  readonly dataJson: string | null;
}

/** A feed's row as the adapters keep it: its id, bound, item count and version. */
export interface FeedRecord {
  readonly feedId: number;
  readonly maxItems: number | null;
  readonly count: number;
  readonly version: number;
}

/** The mutable state of one feed inside a write transaction. */
export interface FeedState {
  readonly key: string;
  readonly feedId: number;
  maxItems: number | null;
  count: number;
  readonly version: number;
  readonly tracker: FeedChangeTracker;
}

export class FeedChangeTracker {
  readonly #before = new Map<string, FeedRow | null>();
  readonly #after = new Map<string, FeedRow | null>();
  /** Ids whose row before the write was trimmed unread: its data is not known, so it never equals a row after. */
  readonly #unreadBefore = new Set<string>();

  /** Records that `id` goes from `previous` (what the store held, or null) to `next`. */
  touch(id: string, previous: FeedRow | null, next: FeedRow | null): void {
    if (!this.#before.has(id)) this.#before.set(id, previous);
    this.#after.set(id, next);
  }

  /** Records that a trim removed the row at `position`, whose data it did not read. */
  trimmed(position: FeedPosition): void {
    if (!this.#before.has(position.id)) this.#unreadBefore.add(position.id);
    this.touch(position.id, { id: position.id, time: position.time, dataJson: null }, null);
  }

  change(key: string, from: number, count: number): FeedChange {
    const added: FeedItem[] = [];
    const removed: FeedPosition[] = [];
    for (const [id, before] of this.#before) {
      const after = this.#after.get(id) ?? null;
      const unchanged = before !== null && after !== null && before.time === after.time && before.dataJson === after.dataJson;
      if (unchanged && !this.#unreadBefore.has(id)) continue;
      if (before !== null) removed.push({ id: before.id, time: before.time });
      if (after !== null) added.push(toFeedItem(after));
    }
    return { key, from, to: from + 1, added, removed, count };
  }
}

export function toFeedItem(row: FeedRow): FeedItem {
  return row.dataJson === null ? { id: row.id, time: row.time } : { id: row.id, time: row.time, data: JSON.parse(row.dataJson) };
}

/** The last occurrence of each id wins inside one batch (upsert by id). */
export function lastById<T extends { readonly id: string }>(items: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    byId.delete(item.id);
    byId.set(item.id, item);
  }
  return [...byId.values()];
}
