/**
 * One key's incremental evaluation: every node's tail, the finalised
 * history of the result nodes, and checkpoints every `checkpointEvery`
 * events, so an event older than the key's latest re-evaluates only this
 * key, from the last checkpoint before it (DESIGN: late events are legal).
 */
import type { TimelinePlan, TimelineRow } from './compile-timeline.js';
import { stepNode, type StepContext } from './step-rules.js';
import { appendPiece, extrapolate, leftLimit, piece, piecesFrom, valueAt, type Piece, type PieceValue } from './timeline-piece.js';

export interface KeyTimelineOptions {
  /** Events between two checkpoints: a late event replays at most this many plus those after it. @default 64 */
  readonly checkpointEvery: number;
  /** How far behind the key's latest event (ms) an event may arrive and still be applied exactly. @default Infinity */
  readonly lateHorizonMs: number;
}

export const KEY_TIMELINE_DEFAULTS: KeyTimelineOptions = Object.freeze({ checkpointEvery: 64, lateHorizonMs: Number.POSITIVE_INFINITY });

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

const NO_PIECES: readonly Piece[] = Object.freeze([]);
// Its start is never read (slope 0); 0 keeps it JSON-safe for durable checkpoints.
const UNKNOWN_LEFT = piece(0, null);

const INITIAL_STATES = new WeakMap<TimelinePlan, KeyState>();

/** The state before any event, the same for every key of a plan (one object, not one per key). */
function initialState(plan: TimelinePlan, tails: readonly (readonly Piece[])[], lefts: readonly Piece[]): KeyState {
  let state = INITIAL_STATES.get(plan);
  if (state === undefined) {
    state = Object.freeze({ applied: 0, started: false, firstTs: 0, frontierTs: 0, frontierSeq: 0, tails: tails.slice(), lefts: lefts.slice() });
    INITIAL_STATES.set(plan, state);
  }
  return state;
}

/** Appends the part of `tail` within [from, until) (a tail may begin before `from`). */
function appendClipped(target: Piece[], tail: readonly Piece[], from: number, until: number): void {
  for (let index = 0; index < tail.length; index += 1) {
    const p = tail[index] as Piece;
    if (p.start >= until) break;
    const next = tail[index + 1];
    if (next !== undefined && next.start <= from) continue;
    appendPiece(target, p.start >= from ? p : piece(from, extrapolate(p, from), p.slope));
  }
}

function before(aTs: number, aSeq: number, bTs: number, bSeq: number): boolean {
  return aTs < bTs || (aTs === bTs && aSeq < bSeq);
}

export class KeyTimeline {
  readonly #plan: TimelinePlan;
  readonly #options: KeyTimelineOptions;
  /** Result nodes whose history is kept: the root, then the group column. */
  readonly #results: readonly number[];
  #tails: (readonly Piece[])[];
  #spare: (readonly Piece[])[];
  #lefts: Piece[];
  #histories: Piece[][];
  #started = false;
  #firstTs = 0;
  #frontierTs = 0;
  #frontierSeq = 0;
  #applied = 0;
  /** Retained events (for late ones), from absolute index `#rowBase`. */
  #rows: TimelineRow[] = [];
  #rowBase = 0;
  #checkpoints: KeyState[] = [];
  readonly #context: StepContext;

  constructor(plan: TimelinePlan, options: KeyTimelineOptions, state?: KeyState) {
    this.#plan = plan;
    this.#options = options;
    this.#results = plan.groupRoot < 0 ? [plan.root] : [plan.root, plan.groupRoot];
    const count = plan.nodes.length;
    this.#tails = new Array<readonly Piece[]>(count).fill(NO_PIECES);
    this.#spare = new Array<readonly Piece[]>(count).fill(NO_PIECES);
    this.#lefts = new Array<Piece>(count).fill(UNKNOWN_LEFT);
    this.#histories = this.#results.map(() => []);
    this.#context = { t: 0, row: { ts: 0, seq: 0, values: [] }, first: true, old: this.#tails, next: this.#spare, lefts: this.#lefts };
    if (state !== undefined) this.#restore(state, true);
    this.#rowBase = this.#applied;
    this.#checkpoints.push(state === undefined ? initialState(plan, this.#tails, this.#lefts) : this.#capture(false));
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
    if (!this.#started || before(this.#frontierTs, this.#frontierSeq, row.ts, row.seq)) {
      this.#retain(row);
      this.#apply(row);
      return 'applied';
    }
    if (row.ts === this.#frontierTs && row.seq === this.#frontierSeq) return 'duplicate';
    const oldest = this.#checkpoints[0] as KeyState;
    if (oldest.started && !before(oldest.frontierTs, oldest.frontierSeq, row.ts, row.seq)) return 'too_late';
    const at = this.#insertionIndex(row);
    const existing = this.#rows[at];
    if (existing !== undefined && existing.ts === row.ts && existing.seq === row.seq) return 'duplicate';
    this.#rows.splice(at, 0, row);
    const absolute = this.#rowBase + at;
    let keep = this.#checkpoints.length - 1;
    while (keep > 0 && (this.#checkpoints[keep] as KeyState).applied > absolute) keep -= 1;
    this.#checkpoints.length = keep + 1;
    const checkpoint = this.#checkpoints[keep] as KeyState;
    this.#restore(checkpoint, false);
    for (let index = checkpoint.applied - this.#rowBase; index < this.#rows.length; index += 1) this.#apply(this.#rows[index] as TimelineRow);
    return 'revised';
  }

  /** The value of result `result` (0: the query, 1: the group column) at `t`; null before the first event. */
  valueAt(result: number, t: number): PieceValue {
    if (!this.#started || t < this.#firstTs) return null;
    if (t >= this.#frontierTs) return valueAt(this.#tails[this.#results[result] as number] as Piece[], t);
    return valueAt(this.#histories[result] as Piece[], t);
  }

  /** The whole timeline of a result: history, then the tail (what happens if no event comes). */
  pieces(result: number): Piece[] {
    const out = (this.#histories[result] as Piece[]).slice();
    if (this.#started) appendClipped(out, this.#tails[this.#results[result] as number] as Piece[], this.#frontierTs, Number.POSITIVE_INFINITY);
    return out;
  }

  /** The result's pieces from `from` on (the one covering `from` cut to start there). */
  piecesFrom(result: number, from: number): Piece[] {
    if (from >= this.#frontierTs) return piecesFrom(this.#tails[this.#results[result] as number] as Piece[], from);
    return piecesFrom(this.pieces(result), from);
  }

  /** The state to checkpoint durably; with histories, so interval reads survive a restart. */
  state(): KeyState {
    return this.#capture(true);
  }

  #insertionIndex(row: TimelineRow): number {
    let low = 0;
    let high = this.#rows.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const candidate = this.#rows[middle] as TimelineRow;
      if (before(candidate.ts, candidate.seq, row.ts, row.seq)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #retain(row: TimelineRow): void {
    this.#rows.push(row);
  }

  #apply(row: TimelineRow): void {
    const { nodes, needsLeft } = this.#plan;
    const t = row.ts;
    const first = !this.#started;
    const old = this.#tails;
    if (!first && t > this.#frontierTs) {
      for (let r = 0; r < this.#results.length; r += 1) appendClipped(this.#histories[r] as Piece[], old[this.#results[r] as number] as Piece[], this.#frontierTs, t);
      for (let index = 0; index < nodes.length; index += 1) if (needsLeft[index]) this.#lefts[index] = leftLimit(old[index] as Piece[], t);
    }
    const next = this.#spare;
    const context = this.#context;
    context.t = t;
    context.row = row;
    context.first = first;
    context.old = old;
    context.next = next;
    context.lefts = this.#lefts;
    for (let index = 0; index < nodes.length; index += 1) next[index] = stepNode(nodes[index] as TimelinePlan['nodes'][number], index, context);
    this.#tails = next;
    this.#spare = old;
    if (first) {
      this.#started = true;
      this.#firstTs = t;
    }
    this.#frontierTs = t;
    this.#frontierSeq = row.seq;
    this.#applied += 1;
    if (this.#applied % this.#options.checkpointEvery === 0) this.#checkpoint();
  }

  #checkpoint(): void {
    this.#checkpoints.push(this.#capture(false));
    const horizon = this.#options.lateHorizonMs;
    if (horizon === Number.POSITIVE_INFINITY) return;
    // Keep the newest checkpoint older than the horizon (late events within it replay from there).
    const cutoff = this.#frontierTs - horizon;
    let oldest = 0;
    while (oldest + 1 < this.#checkpoints.length && (this.#checkpoints[oldest + 1] as KeyState).frontierTs < cutoff) oldest += 1;
    if (oldest === 0) return;
    this.#checkpoints = this.#checkpoints.slice(oldest);
    const keepFrom = (this.#checkpoints[0] as KeyState).applied;
    this.#rows = this.#rows.slice(keepFrom - this.#rowBase);
    this.#rowBase = keepFrom;
  }

  #capture(withHistories: boolean): KeyState {
    return {
      applied: this.#applied, started: this.#started, firstTs: this.#firstTs, frontierTs: this.#frontierTs, frontierSeq: this.#frontierSeq,
      tails: this.#tails.slice(), lefts: this.#lefts.slice(),
      ...(withHistories ? { histories: this.#histories.map((history) => history.slice()) } : {}),
    };
  }

  #restore(state: KeyState, withHistories: boolean): void {
    this.#applied = state.applied;
    this.#started = state.started;
    this.#firstTs = state.firstTs;
    this.#frontierTs = state.frontierTs;
    this.#frontierSeq = state.frontierSeq;
    this.#tails = state.tails.slice();
    this.#lefts = state.lefts.slice();
    if (withHistories && state.histories !== undefined) this.#histories = state.histories.map((history) => history.slice());
    else if (!state.started) for (const history of this.#histories) history.length = 0;
    else {
      // Finalised history before the checkpoint stays; what came after is recomputed.
      for (const history of this.#histories) {
        while (history.length > 0 && (history[history.length - 1] as Piece).start >= state.frontierTs) history.pop();
      }
    }
  }
}
