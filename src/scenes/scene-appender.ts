/**
 * Where the scene recorder's batches go (a role, STYLE "depend on roles"):
 * this thread's EventWriter (WriterAppender, below), or a worker thread with
 * its own store connection (worker-appender.ts), so delivery never waits on
 * storage. Either way batches are stored in the order they were given.
 */
import type { NewEvent, StoredEvent } from '../core/event.js';
import type { EventWriter } from '../store/event-store.js';
import type { UpdateBatch } from './update-batch.js';

export interface AppendedBatch {
  readonly accepted: number;
  /** The events written, for the live bus. */
  readonly stored: readonly StoredEvent[];
}

export interface SceneAppender {
  /** Appends accepted updates to `channel` as events (update-batch.ts); the batch is the appender's from then on. */
  appendUpdates(channel: string, batch: UpdateBatch): Promise<AppendedBatch>;
  /** Appends ready events (snapshots). */
  appendEvents(channel: string, events: readonly NewEvent[]): Promise<AppendedBatch>;
  /** Resolves when everything given is stored; then the appender is done. */
  close(): Promise<void>;
}

/** Appends in this thread, one batch after another (a synchronous store blocks the loop for each). */
export class WriterAppender implements SceneAppender {
  readonly #writer: EventWriter;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(writer: EventWriter) {
    this.#writer = writer;
  }

  appendUpdates(channel: string, batch: UpdateBatch): Promise<AppendedBatch> {
    return this.appendEvents(channel, batch.events());
  }

  appendEvents(channel: string, events: readonly NewEvent[]): Promise<AppendedBatch> {
    const done = this.#queue.then(() => this.#writer.append(channel, events));
    // The next batch waits for this one whether it failed or not: its failure is its own caller's.
    this.#queue = done.catch(() => undefined);
    return done;
  }

  async close(): Promise<void> {
    await this.#queue;
  }
}

/** The stored events of a batch appended from `firstSeq` on (what the bus publishes). */
export function storedUpdates(channel: string, batch: UpdateBatch, firstSeq: number, accepted: number): StoredEvent[] {
  const stored: StoredEvent[] = [];
  for (let i = 0; i < accepted; i += 1) stored.push({ channel, seq: firstSeq + i, ts: batch.ts(i), id: null, data: batch.data(i) });
  return stored;
}
