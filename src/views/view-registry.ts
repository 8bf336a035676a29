/**
 * The server's views: definitions kept durably in the event log itself (the
 * `playhead.views` channel, replayed at start and followed live, so a view
 * made on any node sharing the store is made on every node), each view
 * built from its channel's history and kept live from the bus with the same
 * gapless switch as playback (LiveTail). Reads advance the sliding window
 * to the clock.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { PlayheadError } from '../core/errors.js';
import type { StoredEvent } from '../core/event.js';
import type { LiveBus } from '../live/live-bus.js';
import { DefinitionLog } from '../playback/definition-log.js';
import { BEFORE_EVERY_EVENT, LiveTail } from '../playback/live-tail.js';
import type { EventReader, EventWriter } from '../store/event-store.js';
import { buildViewAt } from './build-view-at.js';
import { parseViewSql } from './parse-view-sql.js';
import { netChanges } from './net-changes.js';
import { ViewEngine, type RowChange, type ViewRow } from './view-engine.js';
import type { ViewPlan } from './view-plan.js';

export const VIEW_DEFINITIONS_CHANNEL = 'playhead.views';
const MAX_DEFINITION_BYTES = 64 << 10;

type Definition = { readonly action: 'create'; readonly name: string; readonly sql: string } | { readonly action: 'delete'; readonly name: string };

interface LiveView {
  readonly sql: string;
  readonly plan: ViewPlan;
  readonly engine: ViewEngine;
  /** One per distinct channel (a self-join reads its channel once). */
  readonly tails: LiveTail[];
  readonly listeners: Set<DeltaListener>;
  /** Totally ordered: +1 for every batch of changes. */
  version: number;
}

/** Changes that take a view from version `from` to version `to`. */
export interface ViewDelta {
  readonly from: number;
  readonly to: number;
  readonly changes: readonly RowChange[];
}

export type DeltaListener = (delta: ViewDelta) => void;

/** How often sliding windows are moved to the clock, so rows leave without a read. */
const WINDOW_TICK_MS = 1_000;

export interface ViewSummary {
  readonly name: string;
  readonly sql: string;
  readonly channels: readonly string[];
}

export interface ViewRegistryOptions {
  readonly reader: EventReader;
  readonly writer: EventWriter;
  readonly bus: LiveBus;
  readonly clock: Clock;
  /** Told when a view stops following its channel (the store failed); the view is removed. */
  readonly onViewFailed?: (name: string, error: unknown) => void;
}

export class ViewRegistry {
  readonly #options: ViewRegistryOptions;
  readonly #views = new Map<string, LiveView>();
  readonly #log: DefinitionLog<Definition>;
  #ticker: TimerHandle | undefined = undefined;

  constructor(options: ViewRegistryOptions) {
    this.#options = options;
    this.#log = new DefinitionLog<Definition>({
      channel: VIEW_DEFINITIONS_CHANNEL, reader: options.reader, writer: options.writer, bus: options.bus, clock: options.clock,
      maxRecordBytes: MAX_DEFINITION_BYTES,
      nameOf: (definition) => definition.name,
      apply: (definition) => this.#apply(definition),
      onError: (error, definition) => options.onViewFailed?.(definition?.name ?? VIEW_DEFINITIONS_CHANNEL, error),
    });
    this.#tick();
  }

  /**
   * Recreates every stored view (at server start). A definition that no
   * longer compiles or cannot be read is skipped and reported, so one bad
   * view never keeps the server from starting.
   */
  async load(): Promise<{ readonly name: string; readonly error: unknown }[]> {
    return (await this.#log.open()).map(({ record, error }) => ({ name: record.name, error }));
  }

  async create(sql: string): Promise<ViewSummary> {
    const plan = await parseViewSql(sql);
    if (this.#views.has(plan.name)) throw new PlayheadError('view_exists', `view ${plan.name} exists: DELETE /v1/views/${plan.name} first`);
    return this.#create(plan, sql);
  }

  /** Creates the view unless one of its name exists (whatever its SQL): for views a server ships with. */
  async createUnlessExists(sql: string): Promise<void> {
    const plan = await parseViewSql(sql);
    if (!this.#views.has(plan.name)) await this.#create(plan, sql);
  }

  async #create(plan: ViewPlan, sql: string): Promise<ViewSummary> {
    // Built before it is recorded: a view whose channels cannot be read is refused, not stored to fail at every start.
    const view = await this.#start(plan.name, sql, plan);
    try {
      await this.#log.record({ action: 'create', name: plan.name, sql });
    } catch (error) {
      view.tails.forEach((tail) => tail.stop());
      this.#views.delete(plan.name);
      throw error;
    }
    return this.#summary(plan.name, view);
  }

  async delete(name: string): Promise<void> {
    this.#get(name);
    await this.#log.record({ action: 'delete', name });
  }

  /** The view's name, SQL and channels; throws `unknown_view`. */
  describe(name: string): ViewSummary {
    return this.#summary(name, this.#get(name));
  }

  list(): ViewSummary[] {
    return [...this.#views].map(([name, view]) => this.#summary(name, view)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The view's rows now: the sliding window moved to the reader's clock first. */
  rows(name: string): { readonly view: ViewSummary; readonly rows: readonly ViewRow[]; readonly asOf: number } {
    const view = this.#get(name);
    this.#advance(view);
    return { view: this.#summary(name, view), rows: view.engine.rows(), asOf: view.version };
  }

  /**
   * The view as it was at event time `atMs`: its channels' events up to then
   * replayed through a fresh engine whose clock reads `atMs` (cost: one scan
   * of that history).
   */
  async rowsAt(name: string, atMs: number): Promise<{ readonly view: ViewSummary; readonly rows: readonly ViewRow[] }> {
    const view = this.#get(name);
    const engine = await buildViewAt(view.plan, this.#options.reader, atMs);
    return { view: this.#summary(name, view), rows: engine.rows() };
  }

  /** The compiled plan of a view, for readers that keep their own engine (a view following a replay). */
  plan(name: string): ViewPlan {
    return this.#get(name).plan;
  }

  /**
   * The rows now (the base) and, from then on, every delta after it. Base and
   * subscription happen in one turn, so no delta falls between them.
   */
  subscribe(name: string, listener: DeltaListener): { readonly base: ReturnType<ViewRegistry['rows']>; readonly unsubscribe: () => void } {
    const base = this.rows(name);
    const view = this.#get(name);
    view.listeners.add(listener);
    return { base, unsubscribe: () => view.listeners.delete(listener) };
  }

  close(): void {
    this.#log.close();
    this.#ticker?.cancel();
    for (const view of this.#views.values()) view.tails.forEach((tail) => tail.stop());
    this.#views.clear();
  }

  #tick(): void {
    this.#ticker = this.#options.clock.setTimer(WINDOW_TICK_MS, () => {
      for (const view of this.#views.values()) this.#advance(view);
      this.#tick();
    });
  }

  #advance(view: LiveView): void {
    if (view.plan.slidingWindow !== null) this.#publish(view, view.engine.advanceTo(this.#options.clock.now()));
  }

  #publish(view: LiveView, batch: readonly RowChange[]): void {
    const changes = netChanges(batch);
    if (changes.length === 0) return;
    view.version += 1;
    const delta = { from: view.version - 1, to: view.version, changes };
    for (const listener of view.listeners) listener(delta);
  }

  /** Builds the view from history and keeps it live; rejects when its history cannot be read. */
  async #start(name: string, sql: string, plan: ViewPlan): Promise<LiveView> {
    const engine = new ViewEngine(plan);
    let building = true;
    let buildError: unknown;
    const view: LiveView = { sql, plan, engine, tails: [], listeners: new Set(), version: 0 };
    for (const channel of new Set(engine.channels)) {
      view.tails.push(new LiveTail({
        channel, reader: this.#options.reader, bus: this.#options.bus,
        deliver: (events: readonly StoredEvent[]) => {
          this.#publish(view, engine.insertAll(events));
          return true;
        },
        onError: (error) => {
          view.tails.forEach((tail) => tail.stop());
          this.#views.delete(name);
          if (building) buildError ??= error;
          else this.#options.onViewFailed?.(name, error);
        },
      }));
    }
    this.#views.set(name, view);
    for (const tail of view.tails) await tail.start(BEFORE_EVERY_EVENT);
    building = false;
    if (buildError === undefined) return view;
    if (buildError instanceof PlayheadError) throw buildError;
    throw new PlayheadError('store_unavailable', `view ${name} could not read its channels' history: ${(buildError as Error).message}`, { cause: buildError });
  }

  /** Applies a stored definition, made here or on another node. */
  async #apply(definition: Definition): Promise<void> {
    const existing = this.#views.get(definition.name);
    if (definition.action === 'delete') {
      if (existing === undefined) return;
      existing.tails.forEach((tail) => tail.stop());
      existing.listeners.clear();
      this.#views.delete(definition.name);
      return;
    }
    // A view that fails to build has removed itself (#start); the log reports the failure.
    if (existing === undefined) await this.#start(definition.name, definition.sql, await parseViewSql(definition.sql));
  }

  #get(name: string): LiveView {
    const view = this.#views.get(name);
    if (view === undefined) throw new PlayheadError('unknown_view', `no view named ${name}: create it with POST /v1/views`);
    return view;
  }

  #summary(name: string, view: LiveView): ViewSummary {
    return { name, sql: view.sql, channels: view.plan.sources.map((source) => source.channel) };
  }
}
