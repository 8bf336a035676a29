/**
 * A timeline that follows a replay instead of the live log: its clock is
 * the playhead (DESIGN "one clock"), so window ends and crossings fire as
 * the replay reaches them, at the replay's speed; its events are the ones
 * the replay delivers. A jump of the playhead rebuilds it from history at
 * the new position; ReplayCursor keeps events the rebuild already holds
 * from being applied again.
 */
import type { StoredEvent } from '../core/event.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { ReplayCursor } from '../playback/replay-cursor.js';
import type { EventReader } from '../store/event-store.js';
import { compileTimeline } from './compile-timeline.js';
import { TimelineEvaluator, type TimelineChange } from './timeline-evaluator.js';
import type { TimelineDefinition } from './timeline-registry.js';

export interface ReplayTimelineOptions {
  readonly definition: TimelineDefinition;
  readonly reader: EventReader;
  /** Only this key's changes; all keys when undefined. */
  readonly key: string | undefined;
  readonly onChange: (change: TimelineChange) => void;
}

export class ReplayTimeline {
  readonly #options: ReplayTimelineOptions;
  readonly #cursor = new ReplayCursor();
  #evaluator: TimelineEvaluator | undefined = undefined;
  /** The playhead, as the evaluator's clock. */
  #clock: VirtualClock | undefined = undefined;

  constructor(options: ReplayTimelineOptions) {
    this.#options = options;
  }

  /** Where the results are, in event time; a playhead behind it means the replay jumped back. */
  get appliedMs(): number {
    return this.#cursor.appliedMs;
  }

  /** Rebuilds at playhead `atMs`; undefined when a newer rebuild started meanwhile. Resolves with the key's value there, when a key is followed. */
  async rebuild(atMs: number): Promise<{ readonly atMs: number; readonly value?: TimelineChange } | undefined> {
    const ticket = this.#cursor.beginRebuild(atMs);
    const { definition, reader, key, onChange } = this.#options;
    const clock = new VirtualClock(atMs);
    const evaluator = new TimelineEvaluator({ plan: compileTimeline(definition.query), key: definition.key, clock });
    for await (const page of reader.scan({ channel: definition.channel, order: 'asc', end: atMs + 1 })) {
      if (!this.#cursor.current(ticket)) break;
      evaluator.pushAll(page);
    }
    if (!this.#cursor.current(ticket)) {
      evaluator.close();
      return undefined;
    }
    this.#evaluator?.close();
    this.#evaluator = evaluator;
    this.#clock = clock;
    evaluator.onChange(key === undefined ? onChange : (change) => change.key === key && onChange(change));
    const held = this.#cursor.endRebuild(atMs);
    for (const event of held.events) this.#apply(event);
    this.advanceTo(held.positionMs);
    if (key === undefined) return { atMs };
    const now = Math.max(atMs, clock.now());
    const [interval] = evaluator.intervals(key, now, now + 1);
    const value: TimelineChange = interval === undefined ? { key, at: now, value: null } : { key, at: now, value: interval.value, ...(interval.rate === undefined ? {} : { rate: interval.rate }) };
    return { atMs, value };
  }

  /** An event the replay delivered. */
  event(event: StoredEvent): void {
    if (!this.#cursor.hold(event)) this.#apply(event);
  }

  /** The playhead moved forward to `positionMs`: transitions up to it fire. */
  advanceTo(positionMs: number): void {
    const clock = this.#clock;
    // advance(0) still fires what is due now, so a transition at the playhead is not left waiting.
    if (this.#cursor.holdPosition(positionMs) || clock === undefined || positionMs < clock.now()) return;
    clock.advance(positionMs - clock.now());
  }

  /** Event time of the next transition no event marks (a window end, a crossing), if one is pending. */
  nextDueMs(): number | undefined {
    const clock = this.#clock;
    const due = clock?.nextTimerMs;
    return clock === undefined || due === undefined || this.#cursor.rebuilding ? undefined : clock.now() + (due - clock.monotonic());
  }

  close(): void {
    this.#cursor.cancel();
    this.#evaluator?.close();
    this.#evaluator = undefined;
  }

  #apply(event: StoredEvent): void {
    const evaluator = this.#evaluator;
    if (evaluator === undefined || event.channel !== this.#options.definition.channel || !this.#cursor.advance(event)) return;
    this.advanceTo(event.ts);
    evaluator.push(event);
  }
}
