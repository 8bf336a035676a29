/**
 * The feeds' storage contract: named, bounded sets of items, unique by id,
 * ordered by (time, id), newest first. A write is atomic and trims to the
 * bound in the same transaction, so no reader ever sees a feed above it.
 * Adapters: src/store/sqlite/sqlite-feed-store.ts, src/store/postgres/postgres-feed-store.ts.
 */

/** A validated item ready to store; `dataJson` null means the item has no data. */
export interface FeedItemInput {
  readonly id: string;
  /** Any finite number; epoch ms when the producer sent a time. */
  readonly time: number;
  readonly dataJson: string | null;
}

/** An item as stored; `data` is absent when the item has none. */
export interface FeedItem {
  readonly id: string;
  readonly time: number;
  readonly data?: unknown;
}

/** A place in feed order (time, then id by UTF-8 bytes). */
export interface FeedPosition {
  readonly time: number;
  readonly id: string;
}

export type FeedOperation =
  | { readonly kind: 'add'; readonly key: string; readonly items: readonly FeedItemInput[] }
  | { readonly kind: 'delete'; readonly key: string; readonly ids: readonly string[] }
  | { readonly kind: 'configure'; readonly key: string; readonly maxItems: number }
  | { readonly kind: 'drop'; readonly key: string };

/** What one write did to one feed: version `from` became `to`. */
export interface FeedChange {
  readonly key: string;
  readonly from: number;
  readonly to: number;
  /** Items that entered (a moved item is removed at its old place and added at its new one). */
  readonly added: readonly FeedItem[];
  /** Where the items that left were: deleted, moved, dropped, or fallen off the end (positions only: their data is not read back). */
  readonly removed: readonly FeedPosition[];
  /** Items in the feed after the write. */
  readonly count: number;
}

export interface FeedWriteOptions {
  /** The bound of feeds that were never configured, in items. */
  readonly defaultMaxItems: number;
  /** Stored in the same transaction as the writes: how far a feed rule has read its channel. */
  readonly checkpoint?: { readonly rule: string; readonly seq: number };
}

export interface FeedReadRequest {
  /** Items per page, newest first. */
  readonly limit: number;
  /** Only items strictly older than this (the previous page's last item). */
  readonly before?: FeedPosition;
  /** Only items strictly newer than this ("what's new since"). */
  readonly after?: FeedPosition;
}

export interface FeedPage {
  readonly items: readonly FeedItem[];
  /** The feed's version the page was read at; 0 for a feed never written. */
  readonly version: number;
  readonly count: number;
  /** The configured bound; null when the server default applies. */
  readonly maxItems: number | null;
}

export interface FeedReader {
  /** One page, read in one snapshot together with the version. */
  read(key: string, request: FeedReadRequest): Promise<FeedPage>;
  /** The seq a feed rule has consumed up to (0 when never checkpointed). */
  rulePosition(rule: string): Promise<number>;
}

export interface FeedWriter {
  /**
   * Applies the operations in order, in one transaction; returns one change
   * per feed that the operations touched (in order of first touch). An
   * acknowledged write is durable.
   */
  write(operations: readonly FeedOperation[], options: FeedWriteOptions): Promise<readonly FeedChange[]>;
  /** Forgets a rule's checkpoint (the rule was deleted). */
  forgetRule(rule: string): Promise<void>;
}

export interface FeedStore extends FeedReader, FeedWriter {
  /** Releases connections; safe to call twice. */
  close(): Promise<void>;
}

/** Outside every stored time: item times are finite numbers. */
export const FEED_NEWEST: FeedPosition = Object.freeze({ time: Number.POSITIVE_INFINITY, id: '' });
export const FEED_OLDEST: FeedPosition = Object.freeze({ time: Number.NEGATIVE_INFINITY, id: '' });
