/**
 * What the registry, the router and the live poller need from a mounted
 * source, whatever it reads (a SQL table, a DynamoDB table): the reader half
 * of the store (STYLE "least privilege"), the channels it owns, its mapping,
 * and the two reads live polling makes.
 */
import type { StoredEvent } from '../../core/event.js';
import type { WireSource } from '../../protocol/source-messages.js';
import type { Closable, EventReader } from '../event-store.js';
import type { LiveSpec } from './source-spec.js';

/** An event with the channel it belongs to: what the live poller publishes. */
export interface SourceEvent {
  readonly event: StoredEvent;
  /** The row's native position, to resume a poll after it. */
  readonly native: { readonly time: unknown; readonly id: unknown };
}

export interface MountedSource extends EventReader, Closable {
  readonly spec: LiveSpec;
  /** The table, unquoted, for messages. */
  readonly displayName: string;
  /** Whether `channel` is one of this source's (it may have no rows). */
  owns(channel: string): boolean;
  /** The mapping, for `GET /v1/sources/{name}`; `liveError` is the poller's last failure. */
  describe(liveError: string | null): WireSource;
  /** The newest row's time (the poller's first watermark); undefined for an empty table. */
  newestTime(): Promise<{ readonly ts: number } | undefined>;
  /**
   * Rows of every channel at or after epoch ms `since`, in time order, strictly after `after` (a previous
   * call's last `native`); at least `limit` of them when there are that many (the poller reads again after a full page).
   */
  rowsSince(since: number | undefined, after: SourceEvent['native'] | undefined, limit: number): Promise<readonly SourceEvent[]>;
  /** Wakes `onNotify` at each change notification; undefined when the source has none (it is polled). */
  listen(onNotify: () => void, onError: (error: unknown) => void): Promise<() => Promise<void>> | undefined;
}
