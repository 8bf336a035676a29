/**
 * Runs one feed rule: the channel's history (from the rule's checkpoint),
 * then live, through LiveTail's gapless switch, written to feeds in batches.
 * The checkpoint (highest seq done) is stored in the same transaction as the
 * feed writes once every lower seq is done: after the history, and after
 * each live batch (live arrives in seq order). A crash before that replays
 * the history, which only upserts what is there already: nothing is added twice.
 * A rule's bound is written once per feed per run, not with every batch.
 */
import type { StoredEvent } from '../core/event.js';
import type { FeedOperation } from '../store/feed-store.js';
import type { LiveBus } from '../live/live-bus.js';
import { BEFORE_EVERY_EVENT, LiveTail } from '../playback/live-tail.js';
import type { EventReader } from '../store/event-store.js';
import type { FeedRule } from './feed-rule.js';
import type { FeedService } from './feed-service.js';

/** Marks the end of the history in the queue: from here on, checkpoints are exact. */
const HISTORY_DONE = Symbol('history done');

export interface FeedRuleRunnerOptions {
  readonly rule: FeedRule;
  readonly reader: EventReader;
  readonly bus: LiveBus;
  readonly feeds: FeedService;
  /** Told when the rule stops because a read or write failed. */
  readonly onError: (error: unknown) => void;
  /** Most events written in one transaction. @default 1,000 */
  readonly batchEvents?: number;
}

const DEFAULT_BATCH_EVENTS = 1_000;
/** Feeds remembered as configured; past this the memory is cleared (sending the bound again is harmless). */
const MAX_CONFIGURED_FEEDS = 100_000;

export class FeedRuleRunner {
  readonly #options: FeedRuleRunnerOptions;
  readonly #batchEvents: number;
  readonly #queue: (readonly StoredEvent[] | typeof HISTORY_DONE)[] = [];
  #tail: LiveTail | undefined = undefined;
  /** Events with seq <= this were done before this run started. */
  #after = 0;
  #maxSeq = 0;
  #historyDone = false;
  #draining: Promise<void> = Promise.resolve();
  /** True from a drain's start until its loop found the queue empty, in the same turn (no entry can slip in between). */
  #running = false;
  #stopped = false;
  /** Feeds this run has written the rule's bound to: later batches skip their `configure`. */
  readonly #configured = new Set<string>();

  constructor(options: FeedRuleRunnerOptions) {
    this.#options = options;
    this.#batchEvents = options.batchEvents ?? DEFAULT_BATCH_EVENTS;
  }

  /** Resolves once the history is written to the feeds; live continues after. */
  async start(): Promise<void> {
    const { rule, reader, bus, feeds } = this.#options;
    this.#after = await feeds.rulePosition(rule.name);
    this.#maxSeq = this.#after;
    const tail = new LiveTail({
      channel: rule.channel, reader, bus,
      deliver: (events) => {
        const fresh = events.filter((event) => event.seq > this.#after);
        if (fresh.length > 0) this.#enqueue(fresh);
        return !this.#stopped;
      },
      onError: (error) => this.#fail(error),
    });
    this.#tail = tail;
    await tail.start(BEFORE_EVERY_EVENT);
    this.#enqueue(HISTORY_DONE);
    await this.idle();
  }

  /** Resolves when everything delivered so far is written. */
  async idle(): Promise<void> {
    while (this.#running) await this.#draining;
  }

  stop(): void {
    this.#stopped = true;
    this.#tail?.stop();
    this.#queue.length = 0;
  }

  #enqueue(entry: readonly StoredEvent[] | typeof HISTORY_DONE): void {
    if (this.#stopped) return;
    this.#queue.push(entry);
    if (this.#running) return;
    this.#running = true;
    this.#draining = this.#drain();
  }

  /** Clears #running in the same turn as its last look at the queue, so an entry never waits unseen. */
  async #drain(): Promise<void> {
    const { rule, feeds } = this.#options;
    try {
      while (this.#queue.length > 0 && !this.#stopped) {
        const batch: StoredEvent[] = [];
        let reachedLive = false;
        while (this.#queue.length > 0 && batch.length < this.#batchEvents) {
          const entry = this.#queue[0] as readonly StoredEvent[] | typeof HISTORY_DONE;
          if (entry === HISTORY_DONE) {
            if (batch.length > 0) break; // the history's last batch goes first, so the checkpoint follows all of it
            this.#queue.shift();
            this.#historyDone = true;
            reachedLive = true;
            continue;
          }
          const room = this.#batchEvents - batch.length;
          batch.push(...entry.slice(0, room));
          if (entry.length > room) this.#queue[0] = entry.slice(room);
          else this.#queue.shift();
        }
        for (const event of batch) if (event.seq > this.#maxSeq) this.#maxSeq = event.seq;
        const operations = this.#unconfigured(rule.toOperations(batch).operations);
        const checkpoint = this.#historyDone ? { rule: rule.name, seq: this.#maxSeq } : undefined;
        if (operations.length === 0 && (checkpoint === undefined || (batch.length === 0 && !reachedLive))) continue;
        try {
          await feeds.write(operations, checkpoint);
        } catch (error) {
          this.#fail(error);
          return;
        }
        if (this.#configured.size > MAX_CONFIGURED_FEEDS) this.#configured.clear();
        for (const operation of operations) if (operation.kind === 'configure') this.#configured.add(operation.key);
      }
    } finally {
      this.#running = false;
    }
  }

  /**
   * The operations without the `configure` of feeds this run configured
   * already. The bound is the rule's and never changes while it runs; a feed
   * reconfigured or dropped by hand meanwhile keeps that until the next run.
   */
  #unconfigured(operations: readonly FeedOperation[]): FeedOperation[] {
    return operations.filter((operation) => operation.kind !== 'configure' || !this.#configured.has(operation.key));
  }

  #fail(error: unknown): void {
    if (this.#stopped) return;
    this.stop();
    this.#options.onError(error);
  }
}
