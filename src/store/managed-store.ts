/**
 * The lifecycle every adapter gets once (STYLE "lifecycle is handled once"):
 * an idempotent `close()`, and a clear error for any use after it.
 */
import type { NewEvent, StoredEvent } from '../core/event.js';
import type {
  AppendResult, ChannelInfo, EventStore, Histogram, HistogramRequest, ScanRequest, SeqLog, StoreCapabilities,
} from './event-store.js';
import { isSeqLog } from './seq-log.js';

export class ManagedStore implements EventStore, SeqLog {
  readonly #inner: EventStore;
  readonly #label: string;
  #closing: Promise<void> | undefined;

  constructor(inner: EventStore, label: string) {
    this.#inner = inner;
    this.#label = label;
  }

  get capabilities(): StoreCapabilities {
    return this.#inner.capabilities;
  }

  async *scan(request: ScanRequest): AsyncIterable<readonly StoredEvent[]> {
    this.#assertOpen();
    yield* this.#inner.scan(request);
  }

  async histogram(channel: string, request: HistogramRequest): Promise<Histogram> {
    this.#assertOpen();
    return this.#inner.histogram(channel, request);
  }

  async listChannels(): Promise<readonly ChannelInfo[]> {
    this.#assertOpen();
    return this.#inner.listChannels();
  }

  async getChannel(name: string): Promise<ChannelInfo | undefined> {
    this.#assertOpen();
    return this.#inner.getChannel(name);
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    return this.#inner.ping();
  }

  async readSince(channel: string, afterSeq: number, limit: number): Promise<readonly StoredEvent[]> {
    this.#assertOpen();
    if (!isSeqLog(this.#inner)) throw new TypeError(`the ${this.#label} store has no log in seq order (capabilities.readsSince is false)`);
    return this.#inner.readSince(channel, afterSeq, limit);
  }

  async append(channel: string, events: readonly NewEvent[]): Promise<AppendResult> {
    this.#assertOpen();
    return this.#inner.append(channel, events);
  }

  close(): Promise<void> {
    this.#closing ??= this.#inner.close();
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new Error(`the ${this.#label} store is closed: open a new one with openStore()`);
  }
}
