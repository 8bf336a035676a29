/**
 * Group commit for the write path: while an append to a channel is in
 * flight, the batches that come for that channel wait, then go to the store
 * together as one append (one transaction), and each caller gets its own
 * part of the result. Appends to one channel serialise on its seq anyway
 * (PostgreSQL locks the channel's row), so many small POSTs would otherwise
 * queue one transaction each: ~5 ms apiece on PostgreSQL caps a channel at
 * ~200 single-event POSTs/s.
 */
import type { NewEvent, StoredEvent } from '../core/event.js';
import type { AppendResult, EventWriter } from '../store/event-store.js';

/** Most events merged into one append; a larger batch still goes alone. */
const MAX_MERGED_EVENTS = 10_000;

interface WaitingBatch {
  readonly events: readonly NewEvent[];
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

export class CoalescingWriter implements EventWriter {
  readonly #store: EventWriter;
  /** Per channel with an append in flight, the batches waiting for it to end. */
  readonly #waiting = new Map<string, WaitingBatch[]>();

  constructor(store: EventWriter) {
    this.#store = store;
  }

  append(channel: string, events: readonly NewEvent[]): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      const queue = this.#waiting.get(channel);
      if (queue !== undefined) return void queue.push({ events, resolve, reject });
      this.#waiting.set(channel, []);
      void this.#write(channel, [{ events, resolve, reject }]);
    });
  }

  async #write(channel: string, group: readonly WaitingBatch[]): Promise<void> {
    if (group.length === 1) await this.#writeAlone(channel, group[0] as WaitingBatch);
    else {
      try {
        const result = await this.#store.append(channel, group.flatMap((batch) => batch.events));
        splitResult(result, group).forEach((part, index) => (group[index] as WaitingBatch).resolve(part));
      } catch {
        // Nothing of the group was written. Each batch alone, so one the store refuses fails only its own caller.
        for (const batch of group) await this.#writeAlone(channel, batch);
      }
    }
    this.#next(channel);
  }

  async #writeAlone(channel: string, batch: WaitingBatch): Promise<void> {
    try {
      batch.resolve(await this.#store.append(channel, batch.events));
    } catch (error) {
      batch.reject(error);
    }
  }

  #next(channel: string): void {
    const queue = this.#waiting.get(channel) ?? [];
    if (queue.length === 0) return void this.#waiting.delete(channel);
    let taken = 1;
    let events = (queue[0] as WaitingBatch).events.length;
    while (taken < queue.length && events + (queue[taken] as WaitingBatch).events.length <= MAX_MERGED_EVENTS) {
      events += (queue[taken] as WaitingBatch).events.length;
      taken += 1;
    }
    void this.#write(channel, queue.splice(0, taken));
  }
}

/**
 * Each batch's part of a merged append. The store keeps events in input
 * order and drops only duplicates, which have ids: walking the inputs, an
 * input is stored when the next stored event is it, else it was a duplicate.
 */
function splitResult(result: AppendResult, group: readonly WaitingBatch[]): AppendResult[] {
  let next = 0;
  return group.map(({ events }) => {
    const stored: StoredEvent[] = [];
    for (const event of events) {
      const candidate = result.stored[next];
      if (candidate !== undefined && (event.id === null || candidate.id === event.id)) {
        stored.push(candidate);
        next += 1;
      }
    }
    const first = stored[0];
    const last = stored.at(-1);
    return {
      accepted: stored.length, duplicates: events.length - stored.length,
      firstSeq: first === undefined ? null : first.seq, lastSeq: last === undefined ? null : last.seq, stored,
    };
  });
}
