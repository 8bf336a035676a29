/**
 * The event log's contract (DESIGN "Layers", storage). Readers take
 * `EventReader`; only ingest takes `EventWriter`; sources (someone else's
 * table) implement the reader half only. Every adapter passes
 * test/store/conformance.ts.
 */
import type { NewEvent, Position, StoredEvent } from '../core/event.js';

export type ScanOrder = 'asc' | 'desc';

export interface ScanRequest {
  readonly channel: string;
  /** Inclusive lower bound on `ts` (epoch ms). Default: the beginning. */
  readonly start?: number;
  /** Exclusive upper bound on `ts` (epoch ms). Default: no bound. */
  readonly end?: number;
  readonly order: ScanOrder;
  /** Resume strictly after this position, in scan order (keyset). */
  readonly after?: Position;
  /** Only events with `seq <= maxSeq`: the history half of the gapless switch to live. */
  readonly maxSeq?: number;
  /** Events per page. Default `DEFAULT_PAGE_SIZE`. */
  readonly pageSize?: number;
}

export interface ChannelInfo {
  readonly name: string;
  readonly count: number;
  /** Smallest and largest `ts` stored; null while the channel is empty. */
  readonly firstTs: number | null;
  readonly lastTs: number | null;
  /** Highest `seq` assigned: the channel's live position. */
  readonly lastSeq: number;
}

export interface HistogramRequest {
  readonly start: number;
  readonly end: number;
  readonly buckets: number;
}

export interface Histogram {
  readonly start: number;
  readonly end: number;
  /** Width of each bucket in ms; the last bucket may end past `end`. */
  readonly bucketMs: number;
  /** Granularity of the counts: a bucket is exact when its edges are multiples of it. */
  readonly resolutionMs: number;
  readonly counts: readonly number[];
}

export interface AppendResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** The events written, in seq order, for the live bus. */
  readonly stored: readonly StoredEvent[];
}

/** What differs between adapters that types do not say (STYLE "capabilities"). */
export interface StoreCapabilities {
  /** The adapter can append. False for read-only sources. */
  readonly writable: boolean;
  /** Largest batch the adapter writes in one statement group. */
  readonly maxBatchRows: number;
  /**
   * `readSince` reads a dense log: every seq up to the channel's last one is
   * there. False where seqs may have holes (DynamoDB) or there is no seq
   * order (sources), so a live reader does not look for missing seqs.
   */
  readonly readsSince: boolean;
}

export const DEFAULT_CAPABILITIES: StoreCapabilities = Object.freeze({ writable: true, maxBatchRows: 10_000, readsSince: false });
/** The native SQL stores: seqs are dense and on a key (channel, seq). */
export const SEQ_LOG_CAPABILITIES: StoreCapabilities = Object.freeze({ ...DEFAULT_CAPABILITIES, readsSince: true });
export const DEFAULT_PAGE_SIZE = 1_000;
export const MAX_HISTOGRAM_BUCKETS = 5_000;

export interface EventReader {
  readonly capabilities: StoreCapabilities;
  /**
   * Events of one channel in (ts, seq) order (or its reverse), as pages.
   * Breaking out of the loop releases the cursor and its connection.
   */
  scan(request: ScanRequest): AsyncIterable<readonly StoredEvent[]>;
  /** Event counts per bucket over [start, end), from counts kept at ingest. */
  histogram(channel: string, request: HistogramRequest): Promise<Histogram>;
  listChannels(): Promise<readonly ChannelInfo[]>;
  /** undefined when the channel has never had an event. */
  getChannel(name: string): Promise<ChannelInfo | undefined>;
  /** Resolves when the store answers; rejects with `store_unavailable`. */
  ping(): Promise<void>;
}

export interface EventWriter {
  /**
   * Appends a validated batch atomically: all of it or none of it. Events
   * whose `id` is already stored in the channel (or repeated in the batch)
   * are counted as duplicates and not stored again.
   */
  append(channel: string, events: readonly NewEvent[]): Promise<AppendResult>;
}

/**
 * The log in append (seq) order: what a node reads to fill a gap when it
 * missed bus messages (DESIGN "scale out"), so live delivery stays gapless
 * across nodes. Stores that have it say so with `capabilities.readsSince`.
 */
export interface SeqLog {
  /** Up to `limit` events of the channel with `seq > afterSeq`, in seq order. */
  readSince(channel: string, afterSeq: number, limit: number): Promise<readonly StoredEvent[]>;
}

export interface Closable {
  /** Releases connections; safe to call twice. */
  close(): Promise<void>;
}

export type EventStore = EventReader & EventWriter & Closable;
