/**
 * A view that follows a replay instead of the live log: its clock is the
 * playhead (DESIGN "one clock"), its events the ones the replay delivers.
 * A jump of the playhead (seek, loop, reverse, a new play) rebuilds it from
 * history at the new position; events the rebuild already holds, and the
 * ones a reverse replay hands back, are not applied again.
 */
import { compareReplayOrder, type Position, type StoredEvent } from '../core/event.js';
import type { EventReader } from '../store/event-store.js';
import { buildViewAt } from './build-view-at.js';
import { netChanges } from './net-changes.js';
import type { RowChange, ViewEngine, ViewRow } from './view-engine.js';
import type { ViewPlan } from './view-plan.js';
import type { ViewDelta } from './view-registry.js';

export interface ReplayViewBase {
  /** Deltas with `to <= asOf` are in `rows` already. */
  readonly asOf: number;
  /** The playhead the rows show, epoch ms. */
  readonly atMs: number;
  readonly rows: readonly ViewRow[];
}

export class ReplayView {
  readonly #plan: ViewPlan;
  readonly #reader: EventReader;
  #engine: ViewEngine | undefined = undefined;
  /** The last event in the rows; later ones in replay order are new. */
  #applied: Position = { ts: Number.POSITIVE_INFINITY, seq: 0 };
  /** Events delivered while a rebuild reads history, applied after it. */
  #waiting: StoredEvent[] | undefined = undefined;
  /** The furthest playhead seen while a rebuild reads history. */
  #waitingPositionMs = Number.NEGATIVE_INFINITY;
  /** Counts rebuilds, so an older one that finishes last is dropped. */
  #generation = 0;
  #version = 0;

  constructor(plan: ViewPlan, reader: EventReader) {
    this.#plan = plan;
    this.#reader = reader;
  }

  /** Where the rows are, in event time; a playhead behind it means the replay jumped back. */
  get appliedMs(): number {
    return this.#applied.ts;
  }

  /** Rebuilds the rows at playhead `atMs`; undefined when a newer rebuild started meanwhile. */
  async rebuild(atMs: number): Promise<ReplayViewBase | undefined> {
    const generation = ++this.#generation;
    this.#waiting = [];
    this.#waitingPositionMs = atMs;
    const engine = await buildViewAt(this.#plan, this.#reader, atMs);
    if (generation !== this.#generation) return undefined;
    const waiting = this.#waiting;
    this.#engine = engine;
    this.#waiting = undefined;
    this.#applied = { ts: atMs, seq: Number.MAX_SAFE_INTEGER };
    for (const event of waiting) this.#apply(event);
    engine.advanceTo(this.#waitingPositionMs);
    return { asOf: this.#version, atMs, rows: engine.rows() };
  }

  /** An event the replay delivered. */
  event(event: StoredEvent): ViewDelta | undefined {
    if (this.#waiting !== undefined) return void this.#waiting.push(event);
    return this.#delta(this.#apply(event));
  }

  /** The playhead moved to `positionMs` (forward): rows leave the sliding window. */
  advanceTo(positionMs: number): ViewDelta | undefined {
    if (this.#waiting !== undefined) this.#waitingPositionMs = Math.max(this.#waitingPositionMs, positionMs);
    if (this.#engine === undefined || this.#waiting !== undefined) return undefined;
    return this.#delta(this.#engine.advanceTo(positionMs));
  }

  #apply(event: StoredEvent): RowChange[] {
    const engine = this.#engine;
    if (engine === undefined || !engine.channels.includes(event.channel) || compareReplayOrder(event, this.#applied) <= 0) return [];
    this.#applied = event;
    return [...engine.advanceTo(event.ts), ...engine.insert(event)];
  }

  #delta(batch: readonly RowChange[]): ViewDelta | undefined {
    const changes = netChanges(batch);
    if (changes.length === 0) return undefined;
    this.#version += 1;
    return { from: this.#version - 1, to: this.#version, changes };
  }
}
