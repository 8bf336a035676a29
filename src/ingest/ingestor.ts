/**
 * The write path (DESIGN: producers -> ingest -> EventStore -> LiveBus):
 * validates a whole batch before anything is written, appends it in one
 * transaction (shared with the batches that come meanwhile for the same
 * channel: coalescing-writer.ts), and publishes only what the store committed.
 */
import { validateChannelName } from '../core/channel-name.js';
import type { Clock } from '../core/clock.js';
import { PlayheadError } from '../core/errors.js';
import { normalizeBatch } from '../core/event.js';
import type { LiveBus } from '../live/live-bus.js';
import type { AppendResult, EventWriter } from '../store/event-store.js';
import { CoalescingWriter } from './coalescing-writer.js';

export interface IngestLimits {
  /** Largest event `data`, in bytes of JSON. @default 1 MiB */
  readonly maxEventBytes: number;
  /** Most events in one batch. @default 100,000 */
  readonly maxBatchEvents: number;
}

/** Channels under this prefix hold Playhead's own records (view definitions); producers may not write them. */
export const RESERVED_CHANNEL_PREFIX = 'playhead.';

export const INGEST_DEFAULTS: IngestLimits = Object.freeze({ maxEventBytes: 1 << 20, maxBatchEvents: 100_000 });

export interface IngestorOptions {
  readonly writer: EventWriter;
  readonly bus: LiveBus;
  readonly clock: Clock;
  readonly limits?: Partial<IngestLimits>;
}

export class Ingestor {
  readonly #writer: EventWriter;
  readonly #bus: LiveBus;
  readonly #clock: Clock;
  readonly #limits: IngestLimits;

  constructor(options: IngestorOptions) {
    this.#writer = new CoalescingWriter(options.writer);
    this.#bus = options.bus;
    this.#clock = options.clock;
    this.#limits = Object.freeze({ ...INGEST_DEFAULTS, ...options.limits });
  }

  get limits(): IngestLimits {
    return this.#limits;
  }

  /** Resolves once the batch is committed; rejects with the first bad event's index and writes nothing. */
  async ingest(channel: string, inputs: readonly unknown[]): Promise<AppendResult> {
    validateChannelName(channel);
    if (channel.startsWith(RESERVED_CHANNEL_PREFIX)) {
      throw new PlayheadError('invalid_channel', `channel names starting with "${RESERVED_CHANNEL_PREFIX}" are reserved for Playhead's own records: choose another name`);
    }
    if (inputs.length > this.#limits.maxBatchEvents) {
      throw new PlayheadError('payload_too_large', `batch has ${inputs.length} events, over the limit of ${this.#limits.maxBatchEvents}: split it`);
    }
    const events = normalizeBatch(inputs, { now: this.#clock.now(), maxEventBytes: this.#limits.maxEventBytes });
    const result = await this.#writer.append(channel, events);
    this.#bus.publish(channel, result.stored);
    return result;
  }
}
