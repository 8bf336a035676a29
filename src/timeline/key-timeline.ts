/**
 * One key's incremental evaluation: every node's tail (in place, in a
 * TailStore), the finalised history of the result nodes, the events it
 * applied (only the columns the plan reads) and checkpoints every
 * `checkpointEvery` events, so an event older than the key's latest
 * re-evaluates only this key, from the last checkpoint before it (DESIGN:
 * late events are legal). An event in order allocates nothing but the room
 * its columns take in the retained events (arrays that grow geometrically).
 */
import type { TimelinePlan, TimelineRow } from './compile-timeline.js';
import { stepInput, type StepInput, type StepKernel } from './step-kernels.js';
import type { TailLayout } from './tail-layout.js';
import type { TailArena } from './tail-arena.js';
import { TailStore, type TailSnapshot } from './tail-store.js';
import { RowLog, type RowChain, type RowLogArrays } from './row-log.js';
import { HistoryLog, type HistoryChain } from './history-log.js';
import { appendPiece, piece, piecesFrom, type Piece, type PieceValue, type Scalar } from './timeline-piece.js';

export interface KeyTimelineOptions {
  /** Events between two checkpoints: a late event replays at most this many plus those after it. @default 64 */
  readonly checkpointEvery: number;
  /**
   * How far behind the key's latest event (ms) an event may arrive and still
   * be applied exactly; what is older than the newest checkpoint before that
   * is dropped (an event before it is `too_late`), so a key's retained events
   * stay bounded by its event rate. Infinity keeps every event. @default 1 h
   */
  readonly lateHorizonMs: number;
}

/** One hour: the server's resume window too (an event later than that is not read after a restart either). */
export const DEFAULT_LATE_HORIZON_MS = 3_600_000;

export const KEY_TIMELINE_DEFAULTS: KeyTimelineOptions = Object.freeze({ checkpointEvery: 64, lateHorizonMs: DEFAULT_LATE_HORIZON_MS });

/** applied: in order; revised: late, the key was re-evaluated; duplicate: that (ts, seq) was seen; too_late: before the oldest checkpoint kept. */
export type PushOutcome = 'applied' | 'revised' | 'duplicate' | 'too_late';

/** The evaluation state after `applied` events; JSON-serialisable (durable checkpoints). */
export interface KeyState {
  readonly applied: number;
  readonly started: boolean;
  readonly firstTs: number;
  readonly frontierTs: number;
  readonly frontierSeq: number;
  readonly tails: readonly (readonly Piece[])[];
  readonly lefts: readonly Piece[];
  /** Finalised pieces (before `frontierTs`) of each result node, by result index. */
  readonly histories?: readonly (readonly Piece[])[];
}

/** Where an event sorts within its key: time, then seq. */
export interface EventOrder {
  readonly ts: number;
  readonly seq: number;
}

/** What a plan's keys share: the layout of their state, the compiled rules, scratch. */
interface CompiledPlan {
  readonly layout: TailLayout;
  readonly kernels: readonly StepKernel[];
  /** Result nodes whose history is kept: the root, then the group column. */
  readonly results: readonly number[];
  readonly leftNodes: readonly number[];
  /** Per node: did this event change its tail (filled by each step). */
  readonly changed: Uint8Array;
  /** The event being stepped (the kernels' input, rewritten per event). */
  readonly step: StepInput;
  /** The most history pieces one event appends (the results' tail capacities). */
  readonly historyPieces: number;
}

/** Rows and history pieces of a KeyTimeline used alone (it grows them as it needs). */
const OWN_LOG_SIZE = 64;

const COMPILED = new WeakMap<TimelinePlan, CompiledPlan>();

function compiled(plan: TimelinePlan): CompiledPlan {
  let found = COMPILED.get(plan);
  if (found === undefined) {
    const results = plan.groupRoot < 0 ? [plan.root] : [plan.root, plan.groupRoot];
    const leftNodes: number[] = [];
    plan.needsLeft.forEach((needed, index) => {
      if (needed) leftNodes.push(index);
    });
    found = Object.freeze({
      layout: plan.layout,
      kernels: plan.kernels,
      results,
      step: stepInput(),
      historyPieces: results.reduce((sum, node) => sum + (plan.layout.capacities[node] as number), 0),
      leftNodes,
      changed: new Uint8Array(plan.nodes.length),
    });
    COMPILED.set(plan, found);
  }
  return found;
}

/** An in-memory checkpoint: the tails and where the key was. */
interface Checkpoint {
  readonly applied: number;
  readonly started: boolean;
  readonly firstTs: number;
  readonly frontierTs: number;
  readonly frontierSeq: number;
  /** undefined: the state before any event. */
  readonly tails: TailSnapshot | undefined;
}

const INITIAL_CHECKPOINT: Checkpoint = Object.freeze({ applied: 0, started: false, firstTs: 0, frontierTs: 0, frontierSeq: 0, tails: undefined });
// Its start is never read (slope 0); 0 keeps it JSON-safe for durable checkpoints.
const UNKNOWN_LEFT = piece(0, null);

function before(aTs: number, aSeq: number, bTs: number, bSeq: number): boolean {
  return aTs < bTs || (aTs === bTs && aSeq < bSeq);
}

/** Where an evaluator's keys keep their state, shared by all of them; a KeyTimeline used alone gets its own. */
export interface KeyStores {
  readonly arena: TailArena;
  readonly rows: RowLog;
  readonly history: HistoryLog;
}

/** A TailStore itself (not one beside it): one object fewer to reach per event. */
export class KeyTimeline extends TailStore implements RowChain, HistoryChain {
  readonly #plan: TimelinePlan;
  readonly #compiled: CompiledPlan;
  readonly #options: KeyTimelineOptions;
  readonly #columns: number;
  /** The results' finalised pieces: chains in a log the evaluator's keys share, by their newest piece (-1: none); the root's, then the group column's. */
  readonly #history: HistoryLog;
  #rootHistory = -1;
  #groupHistory = -1;
  #started = false;
  #firstTs = 0;
  #frontierTs = 0;
  #frontierSeq = 0;
  #applied = 0;
  /** Retained events (for late ones), in a log the evaluator's keys share: `#rowCount` rows chained from `#rowHead` (newest first), the oldest at absolute index `#rowBase`. */
  readonly #rows: RowLog;
  #rowHead = -1;
  #rowCount = 0;
  #rowBase = 0;
  /** Row indices of a replay, oldest last (shared: a replay never nests). */
  static #replay = new Int32Array(64);
  readonly #checkpoints: Checkpoint[];
  /** Changed since the owner last took this key's state (the evaluator's dirty list). */
  #dirty = false;

  /** `stores`: where the tails, the retained events and the history live, shared by the keys of one evaluator; omitted, this key has its own. */
  constructor(plan: TimelinePlan, options: KeyTimelineOptions, state?: KeyState, stores?: KeyStores) {
    super(plan.layout, stores?.arena);
    const rows = stores?.rows ?? new RowLog(plan.columns.length, OWN_LOG_SIZE);
    if (rows.columns !== plan.columns.length) throw new TypeError('a KeyTimeline must use a row log made for its plan\'s columns');
    this.#rows = rows;
    rows.join(this);
    this.#history = stores?.history ?? new HistoryLog(OWN_LOG_SIZE);
    this.#history.join(this);
    this.#plan = plan;
    this.#compiled = compiled(plan);
    this.#options = options;
    this.#columns = plan.columns.length;
    if (state !== undefined) this.#restoreDurable(state);
    this.#rowBase = this.#applied;
    this.#checkpoints = [state === undefined ? INITIAL_CHECKPOINT : this.#capture()];
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  /** Marks the key changed; false when it already was (so the owner lists it once). */
  markDirty(): boolean {
    if (this.#dirty) return false;
    this.#dirty = true;
    return true;
  }

  clearDirty(): void {
    this.#dirty = false;
  }

  get started(): boolean {
    return this.#started;
  }

  get firstTs(): number {
    return this.#firstTs;
  }

  /** Time of the latest event applied. */
  get frontierTs(): number {
    return this.#frontierTs;
  }

  /** Reads this key's state that an event touches (its fields, tails and newest history piece), so it is in the cache; the sum means nothing. */
  touch(): number {
    return this.#frontierTs + this.touchTails() + this.#history.touch(this.#rootHistory);
  }

  push(row: TimelineRow): PushOutcome {
    return this.pushValues(row, row.values);
  }

  /** Applies the event at (ts, seq) whose column values are `values` (read, not kept). */
  pushValues(event: EventOrder, values: readonly (Scalar | undefined)[]): PushOutcome {
    // Read here, not by the caller: a time passed as an argument to a call not inlined is a heap box per event.
    const { ts, seq } = event;
    if (!this.#started || before(this.#frontierTs, this.#frontierSeq, ts, seq)) {
      this.#rows.reserve();
      const row = this.#rows.append(ts, seq, values, 0, this.#rowHead);
      this.#rowHead = row;
      this.#rowCount += 1;
      this.#apply(row);
      return 'applied';
    }
    if (ts === this.#frontierTs && seq === this.#frontierSeq) return 'duplicate';
    const oldest = this.#checkpoints[0] as Checkpoint;
    if (oldest.started && !before(oldest.frontierTs, oldest.frontierSeq, ts, seq)) return 'too_late';
    const rows = this.#rows;
    // Before walking: the append below then moves no row.
    rows.reserve();
    // Walk back to the newest row before (ts, seq): `later` rows come after it.
    let next = -1;
    let at = this.#rowHead;
    let later = 0;
    while (later < this.#rowCount && before(ts, seq, rows.ts[at] as number, rows.seq[at] as number)) {
      next = at;
      at = rows.prev[at] as number;
      later += 1;
    }
    if (later < this.#rowCount && rows.ts[at] === ts && rows.seq[at] === seq) return 'duplicate';
    const row = rows.append(ts, seq, values, 0, later < this.#rowCount ? at : -1);
    if (next < 0) this.#rowHead = row;
    else rows.prev[next] = row;
    this.#rowCount += 1;
    const absolute = this.#rowBase + this.#rowCount - 1 - later;
    let keep = this.#checkpoints.length - 1;
    while (keep > 0 && (this.#checkpoints[keep] as Checkpoint).applied > absolute) keep -= 1;
    this.#checkpoints.length = keep + 1;
    const checkpoint = this.#checkpoints[keep] as Checkpoint;
    this.#restore(checkpoint);
    this.#replayFrom(checkpoint.applied);
    return 'revised';
  }

  /** The value of result `result` (0: the query, 1: the group column) at `t`; null before the first event. */
  valueAt(result: number, t: number): PieceValue {
    if (!this.#started || t < this.#firstTs) return null;
    if (t >= this.#frontierTs) return this.tailValueAt(this.#compiled.results[result] as number, t);
    return this.#history.valueAt(this.#historyHead(result), t);
  }

  /** The whole timeline of a result: history, then the tail (what happens if no event comes). */
  pieces(result: number): Piece[] {
    const out = this.#history.pieces(this.#historyHead(result));
    if (!this.#started) return out;
    for (const p of piecesFrom(this.tail(this.#compiled.results[result] as number), this.#frontierTs)) appendPiece(out, p);
    return out;
  }

  /** The result's pieces from `from` on (the one covering `from` cut to start there). */
  piecesFrom(result: number, from: number): Piece[] {
    if (from >= this.#frontierTs) return piecesFrom(this.tail(this.#compiled.results[result] as number), from);
    return piecesFrom(this.pieces(result), from);
  }

  /** The state to checkpoint durably; with histories, so interval reads survive a restart. */
  state(): KeyState {
    const tails = this.#plan.nodes.map((_, node) => this.tail(node));
    const lefts = this.#plan.nodes.map((_, node) => (this.hasLeft(node) ? piece(0, this.leftValue(node), this.leftSlope(node)) : UNKNOWN_LEFT));
    return {
      applied: this.#applied, started: this.#started, firstTs: this.#firstTs, frontierTs: this.#frontierTs, frontierSeq: this.#frontierSeq,
      tails, lefts, histories: this.#compiled.results.map((_, result) => this.#history.pieces(this.#historyHead(result))),
    };
  }

  #historyHead(result: number): number {
    return result === 0 ? this.#rootHistory : this.#groupHistory;
  }

  #setHistoryHead(result: number, head: number): void {
    if (result === 0) this.#rootHistory = head;
    else this.#groupHistory = head;
  }

  /** HistoryChain: copies the history into the fresh log. */
  relocateHistory(from: HistoryLog, into: HistoryLog): void {
    this.#rootHistory = into.copyChain(from, this.#rootHistory);
    this.#groupHistory = into.copyChain(from, this.#groupHistory);
  }

  /** Applies again every retained row from absolute index `from` on, in order. */
  #replayFrom(from: number): void {
    const count = this.#rowBase + this.#rowCount - from;
    const order = this.#newestRows(this.#rows.prev, count);
    for (let index = count - 1; index >= 0; index -= 1) this.#apply(order[index] as number);
  }

  /** RowChain: copies the retained rows, oldest first, into the fresh log. */
  relocate(from: RowLogArrays, into: RowLog): void {
    const count = this.#rowCount;
    const order = this.#newestRows(from.prev, count);
    let head = -1;
    for (let index = count - 1; index >= 0; index -= 1) {
      const old = order[index] as number;
      head = into.append(from.ts[old] as number, from.seq[old] as number, from.values, old * into.columns, head);
    }
    this.#rowHead = head;
  }

  /** The row indices of this key's newest `count` rows, newest first, in the shared scratch array. */
  #newestRows(prev: Int32Array, count: number): Int32Array {
    if (KeyTimeline.#replay.length < count) KeyTimeline.#replay = new Int32Array(2 * count);
    const order = KeyTimeline.#replay;
    let row = this.#rowHead;
    for (let index = 0; index < count; index += 1) {
      order[index] = row;
      row = prev[row] as number;
    }
    return order;
  }

  /** This key's rows and history are no longer read (the evaluator replaced it). */
  leave(): void {
    this.#rows.leave(this, this.#rowCount);
    this.#history.leave(this, [this.#rootHistory, this.#groupHistory]);
  }

  /** Appends the part of result `result`'s tail within [from, until) to its history (a tail may begin before `from`). Reserve room first. */
  #appendTail(result: number, from: number, until: number): void {
    const tails = this as TailStore;
    const node = this.#compiled.results[result] as number;
    const history = this.#history;
    let head = this.#historyHead(result);
    // The piece goes through history.next: doubles passed as arguments would be boxed.
    const next = history.next;
    const length = tails.length(node);
    for (let index = 0; index < length; index += 1) {
      const start = tails.start(node, index);
      if (start >= until) break;
      if (index + 1 < length && tails.start(node, index + 1) <= from) continue;
      const value = tails.rawValue(node, index);
      const slope = tails.slope(node, index);
      const cut = start < from;
      next[0] = cut ? from : start;
      next[1] = slope;
      if (value === undefined) next[2] = cut && slope !== 0 ? tails.number(node, index) + slope * (from - start) : tails.number(node, index);
      head = history.putNext(head, value);
    }
    this.#setHistoryHead(result, head);
  }

  /** Applies retained row `row` (an index in the row log). */
  #apply(row: number): void {
    const { kernels, results, leftNodes, changed } = this.#compiled;
    const rows = this.#rows;
    const t = rows.ts[row] as number;
    const first = !this.#started;
    const tails = this as TailStore;
    if (!first && t > this.#frontierTs) {
      this.#history.reserve(this.#compiled.historyPieces);
      for (let r = 0; r < results.length; r += 1) this.#appendTail(r, this.#frontierTs, t);
      for (let l = 0; l < leftNodes.length; l += 1) tails.takeLeft(leftNodes[l] as number, t);
    }
    const values = rows.values;
    const base = row * this.#columns;
    const step = this.#compiled.step;
    step.t = t;
    step.values = values;
    step.base = base;
    step.first = first;
    for (let node = 0; node < kernels.length; node += 1) changed[node] = (kernels[node] as StepKernel)(tails, step, changed) ? 1 : 0;
    if (first) {
      this.#started = true;
      this.#firstTs = t;
    }
    this.#frontierTs = t;
    this.#frontierSeq = rows.seq[row] as number;
    this.#applied += 1;
    if (this.#applied % this.#options.checkpointEvery === 0) this.#checkpoint();
  }

  #checkpoint(): void {
    this.#checkpoints.push(this.#capture());
    const horizon = this.#options.lateHorizonMs;
    if (horizon === Number.POSITIVE_INFINITY) return;
    // Keep the newest checkpoint older than the horizon (late events within it replay from there).
    const cutoff = this.#frontierTs - horizon;
    let oldest = 0;
    while (oldest + 1 < this.#checkpoints.length && (this.#checkpoints[oldest + 1] as Checkpoint).frontierTs < cutoff) oldest += 1;
    if (oldest === 0) return;
    // In place: a copy per trim would be one more promoted array per key.
    this.#checkpoints.splice(0, oldest);
    const drop = (this.#checkpoints[0] as Checkpoint).applied - this.#rowBase;
    this.#rowCount -= drop;
    this.#rowBase += drop;
    this.#rows.release(drop);
  }

  #capture(): Checkpoint {
    return {
      applied: this.#applied, started: this.#started, firstTs: this.#firstTs, frontierTs: this.#frontierTs, frontierSeq: this.#frontierSeq,
      tails: this.snapshotTails(),
    };
  }

  #restore(checkpoint: Checkpoint): void {
    this.#applied = checkpoint.applied;
    this.#started = checkpoint.started;
    this.#firstTs = checkpoint.firstTs;
    this.#frontierTs = checkpoint.frontierTs;
    this.#frontierSeq = checkpoint.frontierSeq;
    if (checkpoint.tails === undefined) this.resetTails();
    else this.restoreTails(checkpoint.tails);
    // Finalised history before the checkpoint stays; what came after is recomputed.
    const from = checkpoint.started ? checkpoint.frontierTs : Number.NEGATIVE_INFINITY;
    this.#rootHistory = this.#history.truncateFrom(this.#rootHistory, from);
    this.#groupHistory = this.#history.truncateFrom(this.#groupHistory, from);
  }

  #restoreDurable(state: KeyState): void {
    this.#applied = state.applied;
    this.#started = state.started;
    this.#firstTs = state.firstTs;
    this.#frontierTs = state.frontierTs;
    this.#frontierSeq = state.frontierSeq;
    const tails = this as TailStore;
    state.tails.forEach((tail, node) => {
      tails.clear(node);
      // Only the part from the frontier on is ever read: drop what ended before it if the region is too small.
      const fits = tail.length <= (this.#compiled.layout.capacities[node] as number);
      tail.forEach((p, index) => {
        const next = tail[index + 1];
        if (fits || next === undefined || next.start > state.frontierTs) tails.putRaw(node, p);
      });
    });
    for (const node of this.#compiled.leftNodes) {
      const left = state.lefts[node] ?? UNKNOWN_LEFT;
      tails.setLeft(node, left.value, left.slope);
    }
    state.histories?.forEach((pieces, result) => {
      if (result < this.#compiled.results.length) this.#setHistoryHead(result, this.#history.write(pieces));
    });
  }
}
