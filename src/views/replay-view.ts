/**
 * A view that follows a replay instead of the live log: its clock is the
 * playhead (DESIGN "one clock"), its events the ones the replay delivers.
 * A jump of the playhead (seek, loop, reverse, a new play) rebuilds it from
 * history at the new position; ReplayCursor keeps events the rebuild already
 * holds, and the ones a reverse replay hands back, from being applied again.
 */
import type { StoredEvent } from '../core/event.js';
import { ReplayCursor } from '../playback/replay-cursor.js';
import type { EventReader } from '../store/event-store.js';
import { buildViewAt } from './build-view-at.js';
import { netChanges } from './net-changes.js';
import type { RowChange, ViewEngine, ViewRow } from './view-engine.js';
import type { ViewPlan } from './view-plan.js';
import type { ViewDelta } from './shared-view.js';

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
  readonly #cursor = new ReplayCursor();
  #engine: ViewEngine | undefined = undefined;
  #version = 0;

  constructor(plan: ViewPlan, reader: EventReader) {
    this.#plan = plan;
    this.#reader = reader;
  }

  get appliedMs(): number {
    return this.#cursor.appliedMs;
  }

  /** Rebuilds the rows at playhead `atMs`; undefined when a newer rebuild started meanwhile. */
  async rebuild(atMs: number): Promise<ReplayViewBase | undefined> {
    const ticket = this.#cursor.beginRebuild(atMs);
    const engine = await buildViewAt(this.#plan, this.#reader, atMs);
    if (!this.#cursor.current(ticket)) return undefined;
    this.#engine = engine;
    const held = this.#cursor.endRebuild(atMs);
    for (const event of held.events) this.#apply(event);
    engine.advanceTo(held.positionMs);
    return { asOf: this.#version, atMs, rows: engine.rows() };
  }

  /** An event the replay delivered. */
  event(event: StoredEvent): ViewDelta | undefined {
    if (this.#cursor.hold(event)) return undefined;
    return this.#delta(this.#apply(event));
  }

  /** The playhead moved to `positionMs` (forward): rows leave the sliding window. */
  advanceTo(positionMs: number): ViewDelta | undefined {
    if (this.#cursor.holdPosition(positionMs) || this.#engine === undefined) return undefined;
    return this.#delta(this.#engine.advanceTo(positionMs));
  }

  #apply(event: StoredEvent): RowChange[] {
    const engine = this.#engine;
    if (engine === undefined || !engine.channels.includes(event.channel) || !this.#cursor.advance(event)) return [];
    return [...engine.advanceTo(event.ts), ...engine.insert(event)];
  }

  #delta(batch: readonly RowChange[]): ViewDelta | undefined {
    const changes = netChanges(batch);
    if (changes.length === 0) return undefined;
    this.#version += 1;
    return { from: this.#version - 1, to: this.#version, changes };
  }
}
