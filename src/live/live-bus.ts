/**
 * The live half of every reader (DESIGN "One log, many readers"): ingest
 * publishes committed events here and subscribers receive them. In one
 * process they come in seq order; across nodes (NATS) batches may arrive out
 * of order or be lost, and LiveTail restores the order from the store's log.
 */
import type { StoredEvent } from '../core/event.js';

/** An empty batch means "events may have been missed here": read the log to catch up. */
export type LiveListener = (events: readonly StoredEvent[]) => void;

/**
 * A small JSON message between nodes that is not an event, such as a feed's
 * committed change. Best effort: `null` means "notices on this topic may
 * have been lost (a reconnect, one too large to carry): read the store".
 */
export type NoticeListener = (payload: unknown) => void;

export interface LiveBus {
  /** Delivers events already committed to the store, in seq order. */
  publish(channel: string, events: readonly StoredEvent[]): void;
  /** Returns the function that unsubscribes. */
  subscribe(channel: string, listener: LiveListener): () => void;
  /** Delivers `payload` to this node's listeners of `topic` at once and to the other nodes' soon. */
  notify(topic: string, payload: unknown): void;
  /** Returns the function that stops listening. */
  listen(topic: string, listener: NoticeListener): () => void;
  close(): Promise<void>;
}
