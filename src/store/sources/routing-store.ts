/**
 * One EventStore over the native store and the mounted sources: a source's
 * channels are read from the source, every other channel from the store, so
 * playback, views and the HTTP API work on both unchanged. Writes to a
 * source's channel are refused with `read_only_channel` (HTTP 405).
 * The stored source definitions (`playhead.sources`) hold URLs that may
 * carry passwords: clients read that channel as empty.
 */
import { PlayheadError } from '../../core/errors.js';
import type { NewEvent, StoredEvent } from '../../core/event.js';
import type {
  AppendResult, ChannelInfo, EventReader, EventStore, Histogram, HistogramRequest, ScanRequest, SeqLog, StoreCapabilities,
} from '../event-store.js';
import { fillHistogram, planHistogram } from '../histogram-rollup.js';
import { isSeqLog } from '../seq-log.js';
import { SOURCE_DEFINITIONS_CHANNEL } from './source-definitions.js';
import type { SourceRegistry } from './source-registry.js';

export class RoutingStore implements EventStore, SeqLog {
  readonly #native: EventStore;
  readonly #sources: SourceRegistry;

  constructor(native: EventStore, sources: SourceRegistry) {
    this.#native = native;
    this.#sources = sources;
  }

  get capabilities(): StoreCapabilities {
    return this.#native.capabilities;
  }

  scan(request: ScanRequest): AsyncIterable<readonly StoredEvent[]> {
    if (request.channel === SOURCE_DEFINITIONS_CHANNEL) return NO_PAGES;
    return this.#readerOf(request.channel).scan(request);
  }

  async histogram(channel: string, request: HistogramRequest): Promise<Histogram> {
    if (channel === SOURCE_DEFINITIONS_CHANNEL) return fillHistogram(request, { bucketMs: planHistogram(request).bucketMs, source: 'raw', readFrom: request.start }, []);
    return this.#readerOf(channel).histogram(channel, request);
  }

  /** Native channels and every source's; a source that cannot answer is left out (GET /v1/sources shows why). */
  async listChannels(): Promise<readonly ChannelInfo[]> {
    const lists = await Promise.all([
      this.#native.listChannels().then((channels) => channels.filter((channel) => channel.name !== SOURCE_DEFINITIONS_CHANNEL && this.#sources.route(channel.name) === undefined)),
      ...this.#sources.sources().map((source) => source.listChannels().catch((): readonly ChannelInfo[] => [])),
    ]);
    return lists.flat().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  getChannel(name: string): Promise<ChannelInfo | undefined> {
    if (name === SOURCE_DEFINITIONS_CHANNEL) return Promise.resolve(undefined);
    return this.#readerOf(name).getChannel(name);
  }

  ping(): Promise<void> {
    return this.#native.ping();
  }

  /** A source's ids are no dense log (nothing to fill a gap with): only native channels are read. */
  async readSince(channel: string, afterSeq: number, limit: number): Promise<readonly StoredEvent[]> {
    if (channel === SOURCE_DEFINITIONS_CHANNEL || this.#sources.route(channel) !== undefined || !isSeqLog(this.#native)) return [];
    return this.#native.readSince(channel, afterSeq, limit);
  }

  async append(channel: string, events: readonly NewEvent[]): Promise<AppendResult> {
    const source = this.#sources.route(channel);
    if (source !== undefined) {
      throw new PlayheadError('read_only_channel',
        `channel ${channel} is read from source ${source.spec.name} (table ${source.displayName}), which is read-only: insert into the table instead`);
    }
    return this.#native.append(channel, events);
  }

  /** Closes the native store; the registry's owner closes the sources. */
  close(): Promise<void> {
    return this.#native.close();
  }

  #readerOf(channel: string): EventReader {
    return this.#sources.route(channel) ?? this.#native;
  }
}

const NO_PAGES: AsyncIterable<readonly StoredEvent[]> = { [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) };
