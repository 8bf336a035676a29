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
import type { StepKernel } from './step-kernels.js';
import type { TailLayout } from './tail-layout.js';
import type { TailArena } from './tail-arena.js';
import { TailStore, type TailSnapshot } from './tail-store.js';
import { RowLog, type RowChain, type RowLogArrays } from './row-log.js';
import { piece, piecesFrom, type Piece, type PieceValue, type Scalar } from './timeline-piece.js';

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

/** What a plan's keys share: the layout of their state, the compiled rules, scratch. */
interface CompiledPlan {
  readonly layout: TailLayout;
  readonly kernels: readonly StepKernel[];
  /** Result nodes whose history is kept: the root, then the group column. */
  readonly results: readonly number[];
  readonly leftNodes: readonly number[];
  /** Per node: did this event change its tail (filled by each step). */
  readonly changed: Uint8Array;
}

const COMPILED = new WeakMap<TimelinePlan, CompiledPlan>();

function compiled(plan: TimelinePlan): CompiledPlan {
  let found = COMPILED.get(plan);
  if (found === undefined) {
    const leftNodes: number[] = [];
    plan.needsLeft.forEach((needed, index) => {
      if (needed) leftNodes.push(index);
    });
    found = Object.freeze({
      layout: plan.layout,
      kernels: plan.kernels,
      results: plan.groupRoot < 0 ? [plan.root] : [plan.root, plan.groupRoot],
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

/** A result's finalised pieces, flat: start and slope interleaved, values beside. */
class History {
  readonly nums: number[] = [];
  readonly vals: PieceValue[] = [];
  length = 0;

  start(index: number): number {
    return this.nums[2 * index] as number;
  }

  /** appendPiece's rule: a piece at the same start replaces, a continuing one is dropped. */
  put(start: number, value: PieceValue, slope: number): void {
    let length = this.length;
    while (length > 0 && (this.nums[2 * (length - 1)] as number) >= start) length -= 1;
    if (length > 0) {
      const last = length - 1;
      const lastSlope = this.nums[2 * last + 1] as number;
      const lastValue = this.vals[last] as PieceValue;
      if (lastSlope === slope && (lastSlope === 0 ? lastValue : (lastValue as number) + lastSlope * (start - (this.nums[2 * last] as number))) === value) {
        this.length = length;
        return;
      }
    }
    this.nums[2 * length] = start;
    this.nums[2 * length + 1] = slope;
    this.vals[length] = value;
    this.length = length + 1;
  }

  valueAt(t: number): PieceValue {
    let low = 0;
    let high = this.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((this.nums[2 * middle] as number) <= t) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    if (found < 0) return null;
    const slope = this.nums[2 * found + 1] as number;
    const value = this.vals[found] as PieceValue;
    return slope === 0 ? value : (value as number) + slope * (t - (this.nums[2 * found] as number));
  }

  pieces(): Piece[] {
    const out: Piece[] = [];
    for (let index = 0; index < this.length; index += 1) out.push(piece(this.nums[2 * index] as number, this.vals[index] as PieceValue, this.nums[2 * index + 1] as number));
    return out;
  }

  /** Drops what starts at or after `t` (recomputed after a restore). */
  truncateFrom(t: number): void {
    while (this.length > 0 && (this.nums[2 * (this.length - 1)] as number) >= t) this.length -= 1;
  }

  replace(pieces: readonly Piece[]): void {
    this.length = 0;
    for (const p of pieces) {
      this.nums[2 * this.length] = p.start;
      this.nums[2 * this.length + 1] = p.slope;
      this.vals[this.length] = p.value;
      this.length += 1;
    }
  }
}

/** A TailStore itself (not one beside it): one object fewer to reach per event. */
export class KeyTimeline extends TailStore implements RowChain {
  readonly #plan: TimelinePlan;
  readonly #compiled: CompiledPlan;
  readonly #options: KeyTimelineOptions;
  readonly #columns: number;
  readonly #histories: History[];
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

  /** `arena` and `rows`: where the tails and the retained events live, shared by the keys of one evaluator; omitted, this key has its own. */
  constructor(plan: TimelinePlan, options: KeyTimelineOptions, state?: KeyState, arena?: TailArena, rows: RowLog = new RowLog(plan.columns.length, 64)) {
    super(plan.layout, arena);
    if (rows.columns !== plan.columns.length) throw new TypeError('a KeyTimeline must use a row log made for its plan\'s columns');
    this.#rows = rows;
    rows.join(this);
    this.#plan = plan;
    this.#compiled = compiled(plan);
    this.#options = options;
    this.#columns = plan.columns.length;
    this.#histories = this.#compiled.results.map(() => new History());
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

  push(row: TimelineRow): PushOutcome {
    return this.pushValues(row.ts, row.seq, row.values);
  }

  /** Applies the event at (ts, seq) whose column values are `values` (read, not kept). */
  pushValues(ts: number, seq: number, values: readonly (Scalar | undefined)[]): PushOutcome {
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
    return (this.#histories[result] as History).valueAt(t);
  }

  /** The whole timeline of a result: history, then the tail (what happens if no event comes). */
  pieces(result: number): Piece[] {
    const history = this.#histories[result] as History;
    if (!this.#started) return history.pieces();
    const out = new History();
    out.replace(history.pieces());
    this.#appendTail(out, this.#compiled.results[result] as number, this.#frontierTs, Number.POSITIVE_INFINITY);
    return out.pieces();
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
      tails, lefts, histories: this.#histories.map((history) => history.pieces()),
    };
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

  /** This key's rows are no longer read (the evaluator replaced it). */
  leaveRows(): void {
    this.#rows.leave(this, this.#rowCount);
  }

  /** Appends the part of node `node`'s tail within [from, until) to `target` (a tail may begin before `from`). */
  #appendTail(target: History, node: number, from: number, until: number): void {
    const tails = this as TailStore;
    const length = tails.length(node);
    for (let index = 0; index < length; index += 1) {
      const start = tails.start(node, index);
      if (start >= until) break;
      if (index + 1 < length && tails.start(node, index + 1) <= from) continue;
      if (start >= from) target.put(start, tails.value(node, index), tails.slope(node, index));
      else target.put(from, tails.valueOf(node, index, from), tails.slope(node, index));
    }
  }

  /** Applies retained row `row` (an index in the row log). */
  #apply(row: number): void {
    const { kernels, results, leftNodes, changed } = this.#compiled;
    const rows = this.#rows;
    const t = rows.ts[row] as number;
    const first = !this.#started;
    const tails = this as TailStore;
    if (!first && t > this.#frontierTs) {
      for (let r = 0; r < results.length; r += 1) this.#appendTail(this.#histories[r] as History, results[r] as number, this.#frontierTs, t);
      for (let l = 0; l < leftNodes.length; l += 1) tails.takeLeft(leftNodes[l] as number, t);
    }
    const values = rows.values;
    const base = row * this.#columns;
    for (let node = 0; node < kernels.length; node += 1) changed[node] = (kernels[node] as StepKernel)(tails, t, values, base, first, changed) ? 1 : 0;
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
    for (const history of this.#histories) {
      if (!checkpoint.started) history.length = 0;
      else history.truncateFrom(checkpoint.frontierTs);
    }
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
    state.histories?.forEach((pieces, result) => this.#histories[result]?.replace(pieces));
  }
}
