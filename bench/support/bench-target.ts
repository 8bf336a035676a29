/** A store under test, with the raw driver that runs the same reads by hand against its tables (the peer). */
import type { EventStore } from '../../src/store/event-store.js';
import type { StoreKind } from './bench-options.js';

export interface RawSeekResult {
  readonly rows: number;
  readonly firstSeq: number | null;
}

/** Hand-written SQL through the bare driver, on the store's own tables. */
export interface RawSql {
  /** The store's id for a channel name (read once, before timing). */
  channelId(name: string): Promise<number>;
  /**
   * One keyset query: the first `limit` events at or after `start`, in (ts,
   * seq) order. With `decode`, each row's data is also parsed from JSON, as
   * the store returns it (`pg` parses json columns itself, so there it
   * changes nothing).
   */
  seek(channelId: number, start: number, limit: number, decode: boolean): Promise<RawSeekResult>;
  /** One GROUP BY over the events in [start, end) in buckets of `bucketMs`; resolves to the total counted. */
  histogram(channelId: number, start: number, end: number, bucketMs: number): Promise<number>;
}

export interface BenchTarget {
  readonly kind: StoreKind;
  readonly store: EventStore;
  readonly raw: RawSql;
  /** Where the data lives, for the report. */
  readonly location: string;
  /** After the bulk load: bring the store to the state a long-running one is in (PostgreSQL: VACUUM ANALYZE, as autovacuum would). */
  settle(): Promise<void>;
  /** Closes everything and removes the data (temp file or schema); safe to call twice. */
  dispose(): Promise<void>;
}

/** A store the bench could not open, and why. */
export interface SkippedTarget {
  readonly kind: StoreKind;
  readonly skipped: string;
}
