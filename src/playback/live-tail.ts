/**
 * Switches a reader from history to live without a gap or a duplicate
 * (DESIGN "One log, many readers"): subscribe first and hold what arrives,
 * read the live position L, deliver the history still owed up to L, then the
 * held events with seq > L, then everything as it comes.
 */
import type { Position, StoredEvent } from '../core/event.js';
import type { LiveBus } from '../live/live-bus.js';
import type { EventReader } from '../store/event-store.js';

export interface LiveTailOptions {
  readonly channel: string;
  readonly reader: EventReader;
  readonly bus: LiveBus;
  /** Receives events in the order to deliver them; returns false to stop the tail. */
  readonly deliver: (events: readonly StoredEvent[]) => boolean;
  readonly onError: (error: unknown) => void;
}

export class LiveTail {
  readonly #options: LiveTailOptions;
  #unsubscribe: (() => void) | undefined = undefined;
  #held: StoredEvent[] | undefined = undefined;
  #lastSeq = 0;
  #stopped = false;

  constructor(options: LiveTailOptions) {
    this.#options = options;
  }

  /** Goes live; with `historyAfter`, first delivers the stored events after it that live will not carry. */
  async start(historyAfter: Position | undefined): Promise<void> {
    const { channel, reader, bus } = this.#options;
    this.#held = [];
    this.#unsubscribe = bus.subscribe(channel, (events) => {
      if (this.#held !== undefined) this.#held.push(...events);
      else this.#forward(events);
    });
    try {
      const livePosition = (await reader.getChannel(channel))?.lastSeq ?? 0;
      this.#lastSeq = livePosition;
      if (historyAfter !== undefined) {
        for await (const page of reader.scan({ channel, order: 'asc', after: historyAfter, maxSeq: livePosition })) {
          if (this.#stopped || !this.#options.deliver(page)) return;
        }
      }
      const held = this.#held;
      this.#held = undefined;
      if (!this.#stopped) this.#forward(held);
    } catch (error) {
      this.stop();
      this.#options.onError(error);
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#held = undefined;
  }

  #forward(events: readonly StoredEvent[]): void {
    if (this.#stopped) return;
    const fresh = events.filter((event) => event.seq > this.#lastSeq);
    if (fresh.length === 0) return;
    this.#lastSeq = (fresh[fresh.length - 1] as StoredEvent).seq;
    if (!this.#options.deliver(fresh)) this.stop();
  }
}
