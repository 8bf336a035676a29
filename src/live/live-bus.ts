/**
 * The live half of every reader (DESIGN "One log, many readers"): ingest
 * publishes committed events here; live subscribers receive them in seq
 * order. In-process today; PostgreSQL NOTIFY and NATS implement the same
 * interface across nodes.
 */
import type { StoredEvent } from '../core/event.js';

export type LiveListener = (events: readonly StoredEvent[]) => void;

export interface LiveBus {
  /** Delivers events already committed to the store, in seq order. */
  publish(channel: string, events: readonly StoredEvent[]): void;
  /** Returns the function that unsubscribes. */
  subscribe(channel: string, listener: LiveListener): () => void;
  close(): Promise<void>;
}
