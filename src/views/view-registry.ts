/**
 * The server's views: definitions kept durably in the event log itself (the
 * `playhead.views` channel, replayed at start and followed live, so a view
 * made on any node sharing the store is made on every node). The node
 * holding a view's lease computes it from its channels' history and keeps it
 * live from the bus with the gapless switch of playback (LiveTail); the
 * other nodes follow its results (SharedView). Reads advance the sliding
 * window to the clock.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { PlayheadError } from '../core/errors.js';
import { LocalLeases } from '../live/in-process/local-leases.js';
import type { Leases } from '../live/leases.js';
import type { LiveBus } from '../live/live-bus.js';
import { DefinitionLog } from '../playback/definition-log.js';
import type { EventReader, EventWriter } from '../store/event-store.js';
import type { FeedStore } from '../store/feed-store.js';
import { buildViewAt } from './build-view-at.js';
import { parseViewSql } from './parse-view-sql.js';
import type { ViewRow } from './ranked-rows.js';
import { SharedView, type DeltaListener } from './shared-view.js';
import type { ViewPlan } from './view-plan.js';
import { ViewSnapshotStore } from './view-results.js';

export type { DeltaListener, ViewDelta } from './shared-view.js';

export const VIEW_DEFINITIONS_CHANNEL = 'playhead.views';
const MAX_DEFINITION_BYTES = 64 << 10;

type Definition = { readonly action: 'create'; readonly name: string; readonly sql: string } | { readonly action: 'delete'; readonly name: string };

interface LiveView {
  readonly sql: string;
  /** The seq of its definition. */
  readonly id: number;
  readonly shared: SharedView;
}

/** How often sliding windows are moved to the clock, so rows leave without a read. */
const WINDOW_TICK_MS = 1_000;
/** How long a read waits for the rows of a view another node computes, when this node has none yet. */
const FOLLOW_WAIT_MS = 2_000;

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
  /**
   * Several nodes: the leases that pick which node computes each view, and
   * the feed store where its owner leaves snapshots for the others. Without,
   * this node computes every view.
   */
  readonly sharing?: { readonly leases: Leases; readonly feeds: FeedStore };
  /** Told when a view stops following its channel (the store failed); the view is removed. */
  readonly onViewFailed?: (name: string, error: unknown) => void;
  /** Told when a snapshot for other nodes could not be stored or read (they ask again). */
  readonly onSnapshotError?: (name: string, error: unknown) => void;
}

export class ViewRegistry {
  readonly #options: ViewRegistryOptions;
  readonly #views = new Map<string, LiveView>();
  readonly #log: DefinitionLog<Definition>;
  readonly #leases: Leases;
  readonly #snapshots: ViewSnapshotStore | undefined;
  #ticker: TimerHandle | undefined = undefined;

  constructor(options: ViewRegistryOptions) {
    this.#options = options;
    this.#leases = options.sharing?.leases ?? new LocalLeases('local');
    this.#snapshots = options.sharing === undefined ? undefined : new ViewSnapshotStore(options.sharing.feeds);
    this.#log = new DefinitionLog<Definition>({
      channel: VIEW_DEFINITIONS_CHANNEL, reader: options.reader, writer: options.writer, bus: options.bus, clock: options.clock,
      maxRecordBytes: MAX_DEFINITION_BYTES,
      nameOf: (definition) => definition.name,
      apply: (definition, seq) => this.#apply(definition, seq),
      onError: (error, definition) => options.onViewFailed?.(definition?.name ?? VIEW_DEFINITIONS_CHANNEL, error),
    });
    this.#tick();
  }

  /**
   * Recreates every stored view (at server start); resolves when those this
   * node computes are built. A definition that no longer compiles or cannot
   * be read is skipped and reported, so one bad view never keeps the server
   * from starting.
   */
  async load(): Promise<{ readonly name: string; readonly error: unknown }[]> {
    const failures = (await this.#log.open()).map(({ record, error }) => ({ name: record.name, error }));
    await Promise.all([...this.#views.values()].map((view) => view.shared.built()));
    return failures;
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
    // Read before it is recorded: a view whose channels cannot be read is refused, not stored to fail at every start.
    await this.#checkReadable(plan);
    await this.#log.record({ action: 'create', name: plan.name, sql });
    const view = this.#get(plan.name);
    await view.shared.whenSynced(FOLLOW_WAIT_MS);
    return this.#summary(plan.name, view);
  }

  async #checkReadable(plan: ViewPlan): Promise<void> {
    for (const { channel } of plan.sources) {
      const pages = this.#options.reader.scan({ channel, order: 'asc', pageSize: 1 })[Symbol.asyncIterator]();
      await pages.next();
      await pages.return?.();
    }
  }

  async delete(name: string): Promise<void> {
    const { id } = this.#get(name);
    await this.#log.record({ action: 'delete', name });
    await this.#snapshots?.forget(id).catch((error: unknown) => this.#options.onSnapshotError?.(name, error));
  }
  /** The view's name, SQL and channels; throws `unknown_view`. */
  describe(name: string): ViewSummary {
    return this.#summary(name, this.#get(name));
  }

  list(): ViewSummary[] {
    return [...this.#views].map(([name, view]) => this.#summary(name, view)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /**
   * The view's rows now: the sliding window moved to the reader's clock
   * first. Where another node computes the view and this one has not heard
   * its rows yet, waits for them a moment, then answers `view_unavailable`.
   */
  async rows(name: string): Promise<{ readonly view: ViewSummary; readonly rows: readonly ViewRow[]; readonly asOf: number }> {
    const view = this.#get(name);
    if (!(await view.shared.whenSynced(FOLLOW_WAIT_MS))) {
      throw new PlayheadError('view_unavailable', `view ${name} is computed by another node, whose rows have not arrived yet (no node may hold it right now): retry in a few seconds`);
    }
    return { view: this.#summary(name, view), ...view.shared.rows() };
  }

  /**
   * The view as it was at event time `atMs`: its channels' events up to then
   * replayed through a fresh engine whose clock reads `atMs` (cost: one scan
   * of that history).
   */
  async rowsAt(name: string, atMs: number): Promise<{ readonly view: ViewSummary; readonly rows: readonly ViewRow[] }> {
    const view = this.#get(name);
    const engine = await buildViewAt(view.shared.plan, this.#options.reader, atMs);
    return { view: this.#summary(name, view), rows: engine.rows() };
  }

  /** The compiled plan of a view, for readers that keep their own engine (a view following a replay). */
  plan(name: string): ViewPlan {
    return this.#get(name).shared.plan;
  }

  /**
   * The rows now (the base) and, from then on, every delta after it. Base and
   * subscription happen in one turn, so no delta falls between them.
   */
  subscribe(name: string, listener: DeltaListener): { readonly base: { readonly rows: readonly ViewRow[]; readonly asOf: number }; readonly unsubscribe: () => void } {
    const { rows, asOf, unsubscribe } = this.#get(name).shared.subscribe(listener);
    return { base: { rows, asOf }, unsubscribe };
  }

  close(): void {
    this.#log.close();
    this.#ticker?.cancel();
    for (const view of this.#views.values()) view.shared.stop();
    this.#views.clear();
  }

  #tick(): void {
    this.#ticker = this.#options.clock.setTimer(WINDOW_TICK_MS, () => {
      for (const view of this.#views.values()) view.shared.advance();
      this.#tick();
    });
  }

  /** Applies a stored definition, made here or on another node. */
  async #apply(definition: Definition, id: number): Promise<void> {
    const existing = this.#views.get(definition.name);
    if (definition.action === 'delete') {
      if (existing === undefined) return;
      existing.shared.stop();
      this.#views.delete(definition.name);
      return;
    }
    if (existing !== undefined) return;
    const { name, sql } = definition;
    const { reader, bus, clock, onViewFailed, onSnapshotError } = this.#options;
    const shared = new SharedView({
      id, name, plan: await parseViewSql(sql), reader, bus, clock, leases: this.#leases, snapshots: this.#snapshots,
      onFailed: (error) => {
        if (this.#views.get(name)?.shared === shared) this.#views.delete(name);
        onViewFailed?.(name, error);
      },
      onSnapshotError: (error) => onSnapshotError?.(name, error),
    });
    this.#views.set(name, { sql, id, shared });
    await shared.start();
  }

  #get(name: string): LiveView {
    const view = this.#views.get(name);
    if (view === undefined) throw new PlayheadError('unknown_view', `no view named ${name}: create it with POST /v1/views`);
    return view;
  }

  #summary(name: string, view: LiveView): ViewSummary {
    return { name, sql: view.sql, channels: view.shared.plan.sources.map((source) => source.channel) };
  }
}
