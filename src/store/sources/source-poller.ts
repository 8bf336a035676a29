/**
 * Live on a source (sources issue): polls the table for rows at or after the
 * newest time seen minus a late-row window, on the injected Clock, and
 * publishes the rows it has not published before, per channel in seq (id)
 * order. The first poll only marks what exists as seen: those rows are
 * history. Ids are integers that grow with inserts (serial, identity,
 * rowid), which is what makes the switch from history to live gapless
 * (live-tail.ts reads max(id) as the live position).
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { StoredEvent } from '../../core/event.js';
import type { MountedSource, SourceEvent } from './mounted-source.js';

export type PublishEvents = (channel: string, events: readonly StoredEvent[]) => void;

/** Rows read per statement; a poll reads pages until one comes back short. */
const POLL_PAGE_ROWS = 1_000;

export interface SourcePollerOptions {
  readonly source: MountedSource;
  readonly clock: Clock;
  readonly publish: PublishEvents;
  /** Called once when polling starts failing; `onRecovered` when it works again. */
  readonly onError: (error: unknown) => void;
  readonly onRecovered: () => void;
}

export class SourcePoller {
  readonly #options: SourcePollerOptions;
  readonly #intervalMs: number;
  readonly #lateWindowMs: number;
  /** Channel and id of rows published (or present at start) whose time is within the late window of the newest: a re-read skips them. */
  readonly #seen = new Map<string, number>();
  #newestTs: number | undefined = undefined;
  #baselined = false;
  #failing = false;
  #timer: TimerHandle | undefined = undefined;
  #running: Promise<void> | undefined = undefined;
  #stopped = false;
  #unlisten: (() => Promise<void>) | undefined = undefined;
  #again = false;

  constructor(options: SourcePollerOptions) {
    this.#options = options;
    this.#intervalMs = options.source.spec.pollIntervalMs;
    this.#lateWindowMs = options.source.spec.lateWindowMs;
  }

  /** Reads the baseline now (what exists is history), then polls every interval. */
  async start(): Promise<void> {
    await this.poll();
    // NOTIFY only wakes a poll early: polling at the interval stays, so a lost listener loses nothing.
    this.#unlisten = await this.#options.source.listen(() => void this.poll(), (error) => this.#options.onError(error));
  }

  /** One poll; resolves when it is done. Errors go to `onError`, never to the caller. */
  poll(): Promise<void> {
    if (this.#running !== undefined) {
      // A wake-up during a poll: run one more after it, for rows that poll may have missed.
      this.#again = true;
      return this.#running;
    }
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#running = this.#pollOnce().finally(() => {
      this.#running = undefined;
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        void this.poll();
      } else if (this.#intervalMs > 0) this.#timer = this.#options.clock.setTimer(this.#intervalMs, () => void this.poll());
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#unlisten?.();
    await this.#running;
  }

  async #pollOnce(): Promise<void> {
    try {
      const fresh = await this.#readNew();
      if (this.#failing) {
        this.#failing = false;
        this.#options.onRecovered();
      }
      if (this.#stopped || !this.#baselined) {
        this.#baselined = true;
        return;
      }
      this.#publish(fresh);
    } catch (error) {
      if (!this.#failing) {
        this.#failing = true;
        this.#options.onError(error);
      }
    }
  }

  /** Every row at or after (newest - late window) not seen before, marked seen. */
  async #readNew(): Promise<SourceEvent[]> {
    // The first poll starts at the newest row: everything older is history, read by scans.
    if (this.#newestTs === undefined) this.#newestTs = (await this.#options.source.newestTime())?.ts;
    const since = this.#newestTs === undefined ? undefined : this.#newestTs - this.#lateWindowMs;
    const fresh: SourceEvent[] = [];
    let after: SourceEvent['native'] | undefined;
    let newest = this.#newestTs;
    for (;;) {
      const rows = await this.#options.source.rowsSince(since, after, POLL_PAGE_ROWS);
      for (const row of rows) {
        const { id, ts, channel } = row.event;
        if (newest === undefined || ts > newest) newest = ts;
        if (id === null) continue;
        // Keyed by channel too: a DynamoDB item's id (its time) is unique within its partition only.
        const seenKey = `${channel}\u0000${id}`;
        if (this.#seen.has(seenKey)) continue;
        this.#seen.set(seenKey, ts);
        fresh.push(row);
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < POLL_PAGE_ROWS) break;
      after = last.native;
    }
    this.#newestTs = newest;
    if (newest !== undefined) {
      const horizon = newest - this.#lateWindowMs;
      for (const [id, ts] of this.#seen) if (ts < horizon) this.#seen.delete(id);
    }
    return fresh;
  }

  #publish(fresh: readonly SourceEvent[]): void {
    const byChannel = new Map<string, StoredEvent[]>();
    for (const { event } of fresh) {
      if (event.channel === '') continue; // a key value that names no channel
      let list = byChannel.get(event.channel);
      if (list === undefined) byChannel.set(event.channel, (list = []));
      list.push(event);
    }
    // The bus delivers in seq order (live-bus.ts), and a source's seq is its id.
    for (const [channel, events] of byChannel) this.#options.publish(channel, events.sort((a, b) => a.seq - b.seq));
  }
}
