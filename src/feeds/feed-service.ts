/**
 * The feeds domain: validates what producers send, writes it through the
 * FeedStore role (atomic, trimmed, durable), tells live subscribers on
 * every node what changed after each commit (bus notices `feed.<key>`), and
 * pages reads with opaque cursors. Usable without the server; the server
 * adapts it to HTTP and WebSocket.
 */
import type { Clock } from '../core/clock.js';
import { describeValue } from '../core/describe-value.js';
import { PlayheadError } from '../core/errors.js';
import { InProcessBus } from '../live/in-process/in-process-bus.js';
import type { LiveBus } from '../live/live-bus.js';
import type { FeedChange, FeedItem, FeedOperation, FeedPage, FeedStore } from '../store/feed-store.js';
import { FEED_DEFAULTS, type FeedLimits } from './feed-config.js';
import { decodeFeedCursor, encodeFeedCursor } from './feed-cursor.js';
import { normalizeFeedItems, normalizeItemId } from './feed-item.js';
import { validateFeedKey } from './feed-key.js';

export interface FeedServiceOptions {
  readonly store: FeedStore;
  readonly clock: Clock;
  readonly limits?: Partial<FeedLimits>;
  /** Carries each committed change to the subscribers on every node. @default this process only */
  readonly bus?: LiveBus;
}

/** Receives each committed change; `undefined` when changes may have been missed, so the feed must be read again. */
export type FeedListener = (change: FeedChange | undefined) => void;

export interface FeedReadOptions {
  /** Items per page. @default limits.defaultPageItems */
  readonly limit?: number;
  /** A `next` cursor: the page after it. */
  readonly cursor?: string;
  /** A cursor: only items newer than it. */
  readonly since?: string;
}

/** A page as the domain answers it: items newest first, and cursors to go on. */
export interface FeedReadResult {
  readonly key: string;
  readonly items: readonly FeedItem[];
  /** Cursor of the page after this one; null when this is the last. */
  readonly next: string | null;
  /** Cursor of the newest item of the page: pass it as `since` later to get what is new. */
  readonly latest: string | null;
  readonly version: number;
  readonly count: number;
  /** The bound that applies (the server default when never configured). */
  readonly maxItems: number;
}

export class FeedService {
  readonly limits: FeedLimits;
  readonly #store: FeedStore;
  readonly #clock: Clock;
  readonly #bus: LiveBus;

  constructor(options: FeedServiceOptions) {
    this.limits = Object.freeze({ ...FEED_DEFAULTS, ...options.limits });
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`FeedLimits.${name} must be an integer >= 1, got ${String(value)}`);
    }
    this.#store = options.store;
    this.#clock = options.clock;
    this.#bus = options.bus ?? new InProcessBus();
  }

  /** Adds or moves items (upsert by id); answers the first page after the write. */
  async add(key: string, inputs: readonly unknown[]): Promise<FeedReadResult> {
    validateFeedKey(key);
    if (inputs.length === 0) throw new PlayheadError('invalid_item', 'the body holds no item: send {"id": "1", "time": …} or an array of them');
    if (inputs.length > this.limits.maxBatchItems) {
      throw new PlayheadError('invalid_item', `a request carries at most ${this.limits.maxBatchItems} items, got ${inputs.length}`);
    }
    const items = normalizeFeedItems(inputs, { now: this.#clock.now(), maxItemDataBytes: this.limits.maxItemDataBytes });
    await this.write([{ kind: 'add', key, items }]);
    return this.read(key);
  }

  async deleteItem(key: string, id: unknown): Promise<FeedReadResult> {
    validateFeedKey(key);
    let itemId: string;
    try {
      itemId = normalizeItemId(id);
    } catch (error) {
      throw new PlayheadError('invalid_parameter', (error as Error).message);
    }
    await this.write([{ kind: 'delete', key, ids: [itemId] }]);
    return this.read(key);
  }

  /** Sets the bound; a smaller one trims at once. */
  async configure(key: string, maxItems: unknown): Promise<FeedReadResult> {
    validateFeedKey(key);
    await this.write([{ kind: 'configure', key, maxItems: this.validateMaxItems(maxItems) }]);
    return this.read(key);
  }

  async drop(key: string): Promise<void> {
    validateFeedKey(key);
    await this.write([{ kind: 'drop', key }]);
  }

  validateMaxItems(maxItems: unknown, field = 'maxItems'): number {
    if (!Number.isSafeInteger(maxItems) || (maxItems as number) < 1 || (maxItems as number) > this.limits.maxMaxItems) {
      throw new PlayheadError('invalid_parameter', `${field} must be an integer from 1 to ${this.limits.maxMaxItems}, got ${describeValue(maxItems)}`);
    }
    return maxItems as number;
  }

  async read(key: string, options: FeedReadOptions = {}): Promise<FeedReadResult> {
    validateFeedKey(key);
    const limit = options.limit ?? this.limits.defaultPageItems;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > this.limits.maxPageItems) {
      throw new PlayheadError('invalid_parameter', `limit must be an integer from 1 to ${this.limits.maxPageItems}, got ${describeValue(limit)}`);
    }
    const before = options.cursor === undefined ? undefined : decodeFeedCursor(options.cursor, key, 'cursor');
    const after = options.since === undefined ? undefined : decodeFeedCursor(options.since, key, 'since');
    // One more than asked: whether a next page exists, without a second read.
    const page = await this.#store.read(key, { limit: limit + 1, before, after });
    const items = page.items.slice(0, limit);
    const last = items[items.length - 1];
    const first = items[0];
    return {
      key,
      items,
      next: page.items.length > limit && last !== undefined ? encodeFeedCursor(last, key) : null,
      latest: first === undefined ? null : encodeFeedCursor(first, key),
      version: page.version,
      count: page.count,
      maxItems: page.maxItems ?? this.limits.defaultMaxItems,
    };
  }

  /** The first `limit` items and the version they were read at, for live subscribers. */
  firstPage(key: string, limit: number): Promise<FeedPage> {
    return this.#store.read(key, { limit });
  }

  /**
   * Writes validated operations in one transaction, with an optional rule
   * checkpoint, and tells subscribers after the commit.
   */
  async write(operations: readonly FeedOperation[], checkpoint?: { readonly rule: string; readonly seq: number }): Promise<readonly FeedChange[]> {
    const changes = await this.#store.write(operations, { defaultMaxItems: this.limits.defaultMaxItems, checkpoint });
    for (const change of changes) this.#bus.notify(feedTopic(change.key), change);
    return changes;
  }

  /** Calls `listener` with every committed change of the feed, made on any node; returns the unsubscribe function. */
  subscribe(key: string, listener: FeedListener): () => void {
    return this.#bus.listen(feedTopic(key), (payload) => listener(payload === null ? undefined : (payload as FeedChange)));
  }

  rulePosition(rule: string): Promise<number> {
    return this.#store.rulePosition(rule);
  }

  forgetRule(rule: string): Promise<void> {
    return this.#store.forgetRule(rule);
  }
}

function feedTopic(key: string): string {
  return `feed.${key}`;
}
