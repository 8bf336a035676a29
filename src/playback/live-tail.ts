/**
 * Switches a reader from history to live without a gap or a duplicate
 * (DESIGN "One log, many readers"): subscribe first and hold what arrives,
 * read the live position L, deliver the history still owed up to L, then the
 * held events with seq > L, then everything as it comes. When the bus skips
 * seqs (messages from other nodes arriving out of order, a reconnect, a
 * batch too large to carry) and the store can read its log in seq order,
 * the missing events are read from the store before anything later goes out.
 */
import type { Position, StoredEvent } from '../core/event.js';
import type { LiveBus } from '../live/live-bus.js';
import type { EventReader, SeqLog } from '../store/event-store.js';
import { MIN_TS } from '../store/keyset.js';
import { isSeqLog } from '../store/seq-log.js';

/** Before every stored event: `start(BEFORE_EVERY_EVENT)` delivers a channel's whole history, then live. */
export const BEFORE_EVERY_EVENT: Position = Object.freeze({ ts: MIN_TS, seq: 0 });

export interface LiveTailOptions {
  readonly channel: string;
  readonly reader: EventReader;
  readonly bus: LiveBus;
  /** Receives events in the order to deliver them; returns false to stop the tail. */
  readonly deliver: (events: readonly StoredEvent[]) => boolean;
  readonly onError: (error: unknown) => void;
  /** Called once the live position is read: every event committed from then on will be delivered. */
  readonly onPositioned?: () => void;
}

/** Events per store read while filling a gap. */
const FILL_PAGE_EVENTS = 1_000;

export class LiveTail {
  readonly #options: LiveTailOptions;
  /** The reader's log in seq order, when it has one (native stores do; sources do not). */
  readonly #log: SeqLog | undefined;
  #unsubscribe: (() => void) | undefined = undefined;
  /** Bus events not delivered yet: held during the history read and while a gap is filled. */
  #held: StoredEvent[] | undefined = undefined;
  #lastSeq = 0;
  #stopped = false;

  constructor(options: LiveTailOptions) {
    this.#options = options;
    this.#log = isSeqLog(options.reader) ? options.reader : undefined;
  }

  /** Goes live; with `historyAfter`, first delivers the stored events after it that live will not carry. */
  async start(historyAfter: Position | undefined): Promise<void> {
    const { channel, reader, bus } = this.#options;
    this.#held = [];
    this.#unsubscribe = bus.subscribe(channel, (events) => this.#receive(events));
    try {
      const livePosition = (await reader.getChannel(channel))?.lastSeq ?? 0;
      // What the bus brought while the position was read is live even if the read already counted it:
      // with no history to deliver, starting after it would lose it.
      this.#lastSeq = historyAfter === undefined ? Math.min(livePosition, this.#firstHeldSeq() - 1) : livePosition;
      if (this.#stopped) return;
      this.#options.onPositioned?.();
      if (historyAfter !== undefined) {
        for await (const page of reader.scan({ channel, order: 'asc', after: historyAfter, maxSeq: livePosition })) {
          if (this.#stopped || !this.#options.deliver(page)) return;
        }
      }
      await this.#release();
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

  /** An empty batch is the bus saying it may have missed events: the log is read to catch up. */
  #receive(events: readonly StoredEvent[]): void {
    if (this.#held !== undefined) {
      this.#held.push(...events);
      if (events.length === 0) this.#held.push(GAP_HINT);
      return;
    }
    if (events.length > 0 && this.#contiguous(events)) return this.#forward(events);
    this.#held = events.length === 0 ? [GAP_HINT] : [...events];
    this.#release().catch((error: unknown) => {
      this.stop();
      this.#options.onError(error);
    });
  }

  /** Delivers what was held, reading any gap from the log first, until nothing is held. */
  async #release(): Promise<void> {
    // A fill that finds nothing (the log has a hole there, or is a source's) ends the search: what is held goes out.
    let found = true;
    for (;;) {
      const held = (this.#held ?? []).filter((event) => event === GAP_HINT || event.seq > this.#lastSeq).sort((a, b) => a.seq - b.seq);
      const hinted = held.some((event) => event === GAP_HINT);
      const events = held.filter((event) => event !== GAP_HINT);
      if (this.#stopped) return;
      if (this.#log !== undefined && found && (hinted || !this.#contiguous(events))) {
        this.#held = events;
        found = (await this.#fill(this.#log)) > 0;
        continue;
      }
      this.#held = undefined;
      this.#forward(events);
      return;
    }
  }

  /** Reads the log after the last delivered seq to its end; returns how many events it read. */
  async #fill(log: SeqLog): Promise<number> {
    let read = 0;
    for (;;) {
      const page = await log.readSince(this.#options.channel, this.#lastSeq, FILL_PAGE_EVENTS);
      if (this.#stopped) return read;
      read += page.length;
      this.#forward(page);
      if (page.length < FILL_PAGE_EVENTS) return read;
    }
  }

  #firstHeldSeq(): number {
    let first = Number.POSITIVE_INFINITY;
    for (const event of this.#held ?? []) if (event.seq < first) first = event.seq;
    return first;
  }

  #contiguous(events: readonly StoredEvent[]): boolean {
    let next = this.#lastSeq + 1;
    for (const event of events) {
      if (event.seq < next) continue;
      if (event.seq > next) return false;
      next += 1;
    }
    return true;
  }

  #forward(events: readonly StoredEvent[]): void {
    if (this.#stopped) return;
    const fresh = events.filter((event) => event.seq > this.#lastSeq);
    if (fresh.length === 0) return;
    this.#lastSeq = (fresh[fresh.length - 1] as StoredEvent).seq;
    if (!this.#options.deliver(fresh)) this.stop();
  }
}

/** Stands in a held list for "the bus may have missed events here". */
const GAP_HINT: StoredEvent = Object.freeze({ channel: '', seq: Number.POSITIVE_INFINITY, ts: 0, id: null, data: null });

