/**
 * One view on one node of a cluster (docs/scaling.md "Ownership"). The node
 * holding the view's lease computes it: a ViewEngine built from its
 * channels' history and kept live by LiveTails, whose changes it sends over
 * the bus (view-results.ts). Every other node keeps the owner's rows in a
 * RankedRows and asks for a snapshot whenever it cannot follow (a lost
 * notice, a new owner). Either way this node's subscribers see one series of
 * deltas: a change of owner reaches them as the difference between the rows
 * they had and the new owner's.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/clock.js';
import { PlayheadError } from '../core/errors.js';
import type { StoredEvent } from '../core/event.js';
import type { Leases } from '../live/leases.js';
import type { LiveBus } from '../live/live-bus.js';
import { BEFORE_EVERY_EVENT, LiveTail } from '../playback/live-tail.js';
import type { EventReader } from '../store/event-store.js';
import { netChanges } from './net-changes.js';
import { finalRows, RankedRows, type RankedChange, type RankedRow, type RowChange, type ViewRow } from './ranked-rows.js';
import { ViewEngine } from './view-engine.js';
import type { ViewPlan } from './view-plan.js';
import { viewResultsTopic, viewSnapshotRequestTopic, type ViewResultNotice, type ViewSnapshotStore } from './view-results.js';

/** Changes that take this node's rows of a view from version `from` to version `to`. */
export interface ViewDelta {
  readonly from: number;
  readonly to: number;
  readonly changes: readonly RowChange[];
}

export type DeltaListener = (delta: ViewDelta) => void;

type ChangesNotice = Extract<ViewResultNotice, { kind: 'changes' }>;

/** While behind its owner, a node asks for a snapshot this often. */
const SNAPSHOT_RETRY_MS = 1_000;
/** How often an owner says where its rows are, so a node that missed its last change learns of it. */
const OWNER_HEARTBEAT_MS = 5_000;
/** Changes held while a snapshot is awaited; past this, the oldest go (the next snapshot covers them). */
const MAX_HELD_CHANGES = 256;

export interface SharedViewOptions {
  /** The seq of the view's definition. */
  readonly id: number;
  readonly name: string;
  readonly plan: ViewPlan;
  readonly reader: EventReader;
  readonly bus: LiveBus;
  readonly clock: Clock;
  readonly leases: Leases;
  /** Where the owner stores snapshots for the other nodes; without, this node is alone and always owns the view. */
  readonly snapshots: ViewSnapshotStore | undefined;
  /** This node computed the view and could not read its channels: the view stopped here. */
  readonly onFailed: (error: unknown) => void;
  /** A snapshot could not be stored or read (the nodes behind ask again). */
  readonly onSnapshotError: (error: unknown) => void;
}

/** This node's term as the view's owner. */
interface Term {
  readonly epoch: string;
  readonly engine: ViewEngine;
  readonly tails: LiveTail[];
  /** The history is read and the rows are this node's: changes go out from now on. */
  live: boolean;
  version: number;
  heartbeat: TimerHandle | undefined;
  storing: boolean;
  storeAgain: boolean;
}

export class SharedView {
  readonly #options: SharedViewOptions;
  readonly #rows: RankedRows;
  readonly #listeners = new Set<DeltaListener>();
  /** +1 for every delta sent to this node's listeners. */
  #version = 0;
  #term: Term | undefined = undefined;
  /** Where this node's rows are in the owner's numbering, once it has followed one. */
  #followed: { readonly epoch: string; version: number } | undefined = undefined;
  #synced = false;
  #held: ChangesNotice[] = [];
  #retry: TimerHandle | undefined = undefined;
  #adopting = false;
  #adoptAgain = false;
  #waiters: (() => void)[] = [];
  readonly #unlisten: (() => void)[] = [];
  #release: (() => void) | undefined = undefined;
  #stopped = false;
  /** While this node, the owner, reads the view's history. */
  #building: Promise<void> | undefined = undefined;

  constructor(options: SharedViewOptions) {
    this.#options = options;
    this.#rows = new RankedRows(options.plan.orderBy);
  }

  get plan(): ViewPlan {
    return this.#options.plan;
  }

  /** Follows the owner's results and asks for the lease; resolves after the first attempt. */
  async start(): Promise<void> {
    const { bus, id, leases, name } = this.#options;
    this.#unlisten.push(
      bus.listen(viewResultsTopic(id), (notice) => this.#hear(notice as ViewResultNotice | null)),
      bus.listen(viewSnapshotRequestTopic(id), () => this.#storeSnapshot()),
    );
    if (this.#options.snapshots !== undefined) this.#fallBehind();
    const release = await leases.request(`view:${name}`, { gained: () => this.#own(), lost: () => this.#disown() });
    if (this.#stopped) release();
    else this.#release = release;
  }

  stop(): void {
    this.#stopped = true;
    this.#release?.();
    this.#release = undefined;
    this.#disown();
    this.#retry?.cancel();
    this.#unlisten.forEach((unlisten) => unlisten());
    this.#listeners.clear();
    this.#wake();
  }

  /** The rows now, in ORDER BY order, and the version they are at. */
  rows(): { readonly rows: ViewRow[]; readonly asOf: number } {
    this.advance();
    return { rows: this.#rows.rows(), asOf: this.#version };
  }

  /** Resolves once this node has the view's rows: built here, or a snapshot followed (false: none within `timeoutMs`). */
  whenSynced(timeoutMs: number): Promise<boolean> {
    if (this.#synced || this.#stopped) return Promise.resolve(this.#synced);
    return new Promise((resolve) => {
      const timer = this.#term === undefined ? this.#options.clock.setTimer(timeoutMs, () => resolve(this.#synced)) : undefined;
      this.#waiters.push(() => {
        timer?.cancel();
        resolve(this.#synced);
      });
    });
  }

  /** Resolves when this node has built the view, if it is building it. */
  async built(): Promise<void> {
    await this.#building;
  }

  /** The rows now and every delta after them, in one turn (no delta falls between). */
  subscribe(listener: DeltaListener): { readonly rows: ViewRow[]; readonly asOf: number; readonly unsubscribe: () => void } {
    const now = this.rows();
    this.#listeners.add(listener);
    return { ...now, unsubscribe: () => this.#listeners.delete(listener) };
  }

  /** Moves a sliding window to the clock (the owner's work; elsewhere its changes arrive). */
  advance(): void {
    const term = this.#term;
    if (term?.live === true && this.#options.plan.slidingWindow !== null) this.#commit(term, term.engine.advanceTo(this.#options.clock.now()));
  }

  /** Builds the view from history and keeps it live; its rows replace what this node showed. */
  async #own(): Promise<void> {
    if (this.#stopped) return;
    const { plan, reader, bus, name } = this.#options;
    const engine = new ViewEngine(plan);
    const term: Term = { epoch: randomUUID(), engine, tails: [], live: false, version: 0, heartbeat: undefined, storing: false, storeAgain: false };
    this.#term = term;
    let buildError: unknown;
    for (const channel of new Set(engine.channels)) {
      term.tails.push(new LiveTail({
        channel, reader, bus,
        deliver: (events: readonly StoredEvent[]) => {
          const changes = engine.insertAll(events);
          if (term.live) this.#commit(term, changes);
          return true;
        },
        onError: (error) => {
          if (term.live) this.#fail(error);
          else buildError ??= error;
        },
      }));
    }
    // Not awaited by the lease: a long history must not hold up the lease checks of other work.
    this.#building = (async () => {
      for (const tail of term.tails) await tail.start(BEFORE_EVERY_EVENT);
      if (this.#term !== term) return;
      if (buildError !== undefined) {
        return this.#fail(buildError instanceof PlayheadError ? buildError
          : new PlayheadError('store_unavailable', `view ${name} could not read its channels' history: ${(buildError as Error).message}`, { cause: buildError }));
      }
      term.live = true;
      this.#publish(this.#rows.replace(engine.entries()));
      this.#followed = undefined;
      this.#held = [];
      this.#markSynced();
      this.#sayWhere(term);
    })().finally(() => (this.#building = undefined));
  }

  #disown(): void {
    const term = this.#term;
    if (term === undefined) return;
    this.#term = undefined;
    term.tails.forEach((tail) => tail.stop());
    term.heartbeat?.cancel();
    // This node's rows stay as they were until the next owner's snapshot replaces them.
    if (!this.#stopped && this.#options.snapshots !== undefined) this.#fallBehind();
  }

  #fail(error: unknown): void {
    this.stop();
    this.#options.onFailed(error);
  }

  /** The owner's changes: to this node's rows and listeners, and to the other nodes. */
  #commit(term: Term, changes: readonly RankedChange[]): void {
    const final = finalRows(changes);
    if (final.size === 0) return;
    this.#publish(this.#rows.apply(final));
    const from = term.version;
    term.version += 1;
    if (this.#options.snapshots === undefined) return;
    const rows: RankedRow[] = [];
    const gone: string[] = [];
    for (const [key, row] of final) {
      if (row === null) gone.push(key);
      else rows.push(row);
    }
    this.#notify({ kind: 'changes', epoch: term.epoch, from, to: term.version, rows, gone });
  }

  #sayWhere(term: Term): void {
    if (this.#term !== term || this.#options.snapshots === undefined) return;
    this.#notify({ kind: 'at', epoch: term.epoch, version: term.version });
    term.heartbeat = this.#options.clock.setTimer(OWNER_HEARTBEAT_MS, () => this.#sayWhere(term));
  }

  #notify(notice: ViewResultNotice): void {
    this.#options.bus.notify(viewResultsTopic(this.#options.id), notice);
  }

  #publish(changes: readonly RowChange[]): void {
    const net = netChanges(changes);
    if (net.length === 0) return;
    this.#version += 1;
    const delta = { from: this.#version - 1, to: this.#version, changes: net };
    for (const listener of this.#listeners) listener(delta);
  }

  /** A result notice from the owner, or null: notices may have been lost. */
  #hear(notice: ViewResultNotice | null): void {
    if (this.#term !== undefined || this.#stopped || this.#options.snapshots === undefined) return;
    const followed = this.#followed;
    if (notice === null) return this.#fallBehind();
    if (notice.kind === 'stored') return void this.#adopt();
    const current = this.#synced && followed?.epoch === notice.epoch;
    if (notice.kind === 'at') {
      if (!current || followed.version !== notice.version) this.#fallBehind(true);
      return;
    }
    if (current && notice.from === followed.version) return this.#follow(notice);
    if (current && notice.to <= followed.version) return;
    this.#fallBehind();
    this.#held.push(notice);
    if (this.#held.length > MAX_HELD_CHANGES) this.#held.shift();
  }

  #follow(notice: ChangesNotice): void {
    const final = new Map<string, RankedRow | null>(notice.gone.map((key) => [key, null]));
    for (const row of notice.rows) final.set(row.key, row);
    this.#publish(this.#rows.apply(final));
    this.#followed = { epoch: notice.epoch, version: notice.to };
  }

  /**
   * This node's rows may be behind the owner's: ask for a snapshot until one
   * is followed; `now` asks at once even while waiting for an earlier answer
   * (the owner just spoke, so it can answer).
   */
  #fallBehind(now = false): void {
    this.#synced = false;
    if (this.#retry !== undefined) {
      if (now) this.#askForSnapshot();
      return;
    }
    const ask = (): void => {
      if (this.#synced || this.#stopped || this.#term !== undefined) {
        this.#retry = undefined;
        return;
      }
      this.#askForSnapshot();
      this.#retry = this.#options.clock.setTimer(SNAPSHOT_RETRY_MS, ask);
    };
    ask();
  }

  #askForSnapshot(): void {
    this.#options.bus.notify(viewSnapshotRequestTopic(this.#options.id), {});
  }

  /** The owner: stores its rows for the nodes behind it (one write at a time, again if asked meanwhile). */
  async #storeSnapshot(): Promise<void> {
    const term = this.#term;
    const snapshots = this.#options.snapshots;
    if (term?.live !== true || snapshots === undefined) return;
    if (term.storing) return void (term.storeAgain = true);
    term.storing = true;
    try {
      do {
        term.storeAgain = false;
        const version = term.version;
        await snapshots.write(this.#options.id, { epoch: term.epoch, version, rows: this.#rows.entries() });
        if (this.#term === term) this.#notify({ kind: 'stored', epoch: term.epoch, version });
      } while (term.storeAgain && this.#term === term);
    } catch (error) {
      this.#options.onSnapshotError(error);
    } finally {
      term.storing = false;
    }
  }

  /** Follows the stored snapshot, then the changes held since. */
  async #adopt(): Promise<void> {
    const snapshots = this.#options.snapshots;
    if (this.#synced || snapshots === undefined) return;
    if (this.#adopting) return void (this.#adoptAgain = true);
    this.#adopting = true;
    try {
      do {
        this.#adoptAgain = false;
        const snapshot = await snapshots.read(this.#options.id);
        if (snapshot === undefined || this.#term !== undefined || this.#stopped || this.#synced) continue;
        // An older snapshot than the rows here (asked for before the last changes) would show them going back in time.
        if (snapshot.epoch === this.#followed?.epoch && snapshot.version < this.#followed.version) continue;
        this.#publish(this.#rows.replace(snapshot.rows));
        this.#followed = { epoch: snapshot.epoch, version: snapshot.version };
        this.#catchUp();
      } while (this.#adoptAgain);
    } catch (error) {
      this.#options.onSnapshotError(error);
    } finally {
      this.#adopting = false;
    }
  }

  /** Applies the held changes that follow the snapshot; synced when they join up. */
  #catchUp(): void {
    const held = this.#held;
    this.#held = [];
    let gap = false;
    for (const notice of held) {
      const followed = this.#followed;
      if (followed === undefined || notice.epoch !== followed.epoch || notice.to <= followed.version) continue;
      if (notice.from !== followed.version) gap = true;
      if (gap) this.#held.push(notice);
      else this.#follow(notice);
    }
    if (!gap) this.#markSynced();
  }

  #markSynced(): void {
    this.#synced = true;
    this.#retry?.cancel();
    this.#retry = undefined;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    waiters.forEach((wake) => wake());
  }
}
