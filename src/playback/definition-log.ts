/**
 * Definitions (feed rules, and the like) kept as events in a reserved
 * channel: at open, the latest record of each name is applied; after that,
 * every record made on any node sharing the store, in seq order, through
 * LiveTail's gapless switch. So every node knows every definition, whichever
 * node it was made on (docs/scaling.md).
 */
import type { Clock } from '../core/clock.js';
import { normalizeEvent, type StoredEvent } from '../core/event.js';
import type { LiveBus } from '../live/live-bus.js';
import type { EventReader, EventWriter } from '../store/event-store.js';
import { BEFORE_EVERY_EVENT, LiveTail } from './live-tail.js';

export interface DefinitionLogOptions<R> {
  readonly channel: string;
  readonly reader: EventReader;
  readonly writer: EventWriter;
  readonly bus: LiveBus;
  readonly clock: Clock;
  /** Largest record, bytes of JSON. */
  readonly maxRecordBytes: number;
  /**
   * The definition a record is about: at open only each name's latest
   * record is applied. Without it, every record is, in order (a log of
   * edits, where each one builds on the ones before).
   */
  readonly nameOf?: (record: R) => string;
  /**
   * Applies one record (`seq`: its place in the log); records are applied
   * one at a time, in the log's order. A rejection fails that record alone:
   * open() reports it, record() rejects with it, and for a record made
   * elsewhere it goes to `onError`.
   */
  readonly apply: (record: R, seq: number) => Promise<void>;
  /** Told when a record made elsewhere could not be applied (with the record), or when the log cannot be read (definitions made elsewhere stop arriving). */
  readonly onError: (error: unknown, record?: R) => void;
}

export class DefinitionLog<R> {
  readonly #options: DefinitionLogOptions<R>;
  /** Following the log live: records made here come back through it. */
  #tail: LiveTail | undefined = undefined;
  /** Records read while opening, by name (or by seq, without `nameOf`): only the latest of each name is applied. */
  #opening: Map<string | number, StoredEvent> | undefined = new Map();
  #applying: Promise<void> = Promise.resolve();
  #appliedSeq = 0;
  readonly #waiters: { readonly seq: number; readonly resolve: () => void }[] = [];
  /** Apply failures someone asked about: at open, every one; later, those of this node's own records, by seq. */
  #opened: { record: R; error: unknown }[] | undefined = undefined;
  readonly #ownFailures = new Map<number, unknown>();
  readonly #own = new Set<number>();

  constructor(options: DefinitionLogOptions<R>) {
    this.#options = options;
  }

  /** Resolves once the latest record of every name is applied, with the records that failed; later records follow live. */
  async open(): Promise<readonly { readonly record: R; readonly error: unknown }[]> {
    const { channel, reader, bus, onError } = this.#options;
    const tail = new LiveTail({
      channel, reader, bus, deliver: (events) => this.#receive(events),
      onError: (error) => {
        // No longer following: this node's own records are applied by record() itself from now on.
        if (this.#tail === tail) this.#tail = undefined;
        onError(error);
      },
    });
    this.#tail = tail;
    await tail.start(BEFORE_EVERY_EVENT);
    const latest = [...(this.#opening?.values() ?? [])].sort((a, b) => a.seq - b.seq);
    this.#opening = undefined;
    const failures: { record: R; error: unknown }[] = [];
    this.#opened = failures;
    await this.#enqueue(latest, this.#appliedSeq);
    this.#opened = undefined;
    return failures;
  }

  /** Stores a record for every node; resolves with its seq once this node has applied it, or rejects with why applying it failed. */
  async record(record: R): Promise<number> {
    const { channel, writer, bus, clock, maxRecordBytes } = this.#options;
    const event = normalizeEvent({ data: record as object }, { now: clock.now(), maxEventBytes: maxRecordBytes });
    const { stored } = await writer.append(channel, [event]);
    const seq = stored[0]?.seq ?? 0;
    this.#own.add(seq);
    // Not following (never opened by a library user, or the log failed): this node applies its own record.
    if (this.#tail === undefined) await this.#enqueue(stored, seq);
    bus.publish(channel, stored);
    if (this.#appliedSeq < seq) await new Promise<void>((resolve) => this.#waiters.push({ seq, resolve }));
    this.#own.delete(seq);
    if (!this.#ownFailures.has(seq)) return seq;
    const failure = this.#ownFailures.get(seq);
    this.#ownFailures.delete(seq);
    throw failure;
  }

  close(): void {
    this.#tail?.stop();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  #receive(events: readonly StoredEvent[]): boolean {
    const lastSeq = events.at(-1)?.seq ?? this.#appliedSeq;
    if (this.#opening === undefined) {
      void this.#enqueue(events, lastSeq);
    } else {
      for (const event of events) this.#opening.set(this.#options.nameOf?.(event.data as R) ?? event.seq, event);
      this.#appliedSeq = Math.max(this.#appliedSeq, lastSeq);
    }
    return true;
  }

  #failed(event: StoredEvent, error: unknown): void {
    const record = event.data as R;
    if (this.#opened !== undefined) this.#opened.push({ record, error });
    else if (this.#own.has(event.seq)) this.#ownFailures.set(event.seq, error);
    else this.#options.onError(error, record);
  }

  #enqueue(events: readonly StoredEvent[], throughSeq: number): Promise<void> {
    this.#applying = this.#applying.then(async () => {
      for (const event of events) await this.#options.apply(event.data as R, event.seq).catch((error: unknown) => this.#failed(event, error));
      this.#appliedSeq = Math.max(this.#appliedSeq, throughSeq);
      for (let i = this.#waiters.length - 1; i >= 0; i -= 1) {
        const waiter = this.#waiters[i] as { seq: number; resolve: () => void };
        if (waiter.seq > this.#appliedSeq) continue;
        this.#waiters.splice(i, 1);
        waiter.resolve();
      }
    });
    return this.#applying;
  }
}
