/**
 * Evaluates one compiled timeline query per key over a channel's events:
 * push events (in any order), read the value at an instant, the intervals
 * over a range, the aggregate across keys, and receive changes as they
 * happen, including the ones no event marks (a window's end, a crossing),
 * fired from the injected Clock (DESIGN "One clock").
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { columnReader, columnSegments, type ColumnReader, type TimelinePlan } from './compile-timeline.js';
import { DueHeap } from './due-heap.js';
import { KeyIndex } from './key-index.js';
import { RowLog } from './row-log.js';
import { TailArena } from './tail-arena.js';
import { HistoryLog } from './history-log.js';
import { KEY_TIMELINE_DEFAULTS, KeyTimeline, type KeyState, type KeyStores, type KeyTimelineOptions, type PushOutcome } from './key-timeline.js';
import { aggregateValues, type AggregateRow } from './timeline-aggregate.js';
import { extrapolate, pieceIndexAt, sameState, type Piece, type PieceValue, type Scalar } from './timeline-piece.js';

export interface TimelineEvent {
  readonly ts: number;
  readonly seq: number;
  readonly data: unknown;
}

/** One interval of a key's result; `rate` (per second) only on a growing duration. */
export interface TimelineInterval {
  readonly start: number;
  /** Exclusive; null: open-ended (the value holds until an event changes it). */
  readonly end: number | null;
  /** Value at `start`: durations in seconds; null is unknown. */
  readonly value: Scalar | null;
  readonly rate?: number;
}

/** A change of a key's result at event time `at`; `revised`: a late event rewrote the key's history from `at`. */
export interface TimelineChange {
  readonly key: string;
  readonly at: number;
  readonly value: Scalar | null;
  readonly rate?: number;
  readonly revised?: true;
}

export type ChangeListener = (change: TimelineChange) => void;

export interface TimelineEvaluatorOptions extends Partial<KeyTimelineOptions> {
  readonly plan: TimelinePlan;
  /** Path of the event's key, e.g. `data.session` (a leading `data.` is optional). */
  readonly key: string;
  readonly clock: Clock;
}

export interface EvaluatorStats {
  readonly keys: number;
  readonly events: number;
  /** Events without a string or number at the key path. */
  readonly keyless: number;
  readonly late: number;
  readonly tooLate: number;
}

const MS_PER_SECOND = 1_000;
/** Events whose keys' state pushAll reads ahead at once: enough misses to overlap, and their state (under 1 KB a key) stays in the L2 cache. */
const PREFETCH_EVENTS = 64;

interface NotifyState {
  /** Every change at or before this time was sent. */
  sentUntil: number;
  last: Piece | undefined;
  /** The due entry in the heap that is current for this key. */
  due: number;
}

export class TimelineEvaluator {
  readonly #plan: TimelinePlan;
  readonly #readKey: ColumnReader;
  readonly #clock: Clock;
  readonly #options: KeyTimelineOptions;
  /** Each key's index into `#timelines`. */
  readonly #keyIndex = new KeyIndex();
  readonly #timelines: KeyTimeline[] = [];
  /** Every key's tails (one stripe each), retained events and result history. */
  readonly #stores: KeyStores;
  readonly #listeners = new Set<ChangeListener>();
  readonly #notify = new Map<string, NotifyState>();
  readonly #heap = new DueHeap();
  /** Keys changed since the last `takeStates` (each has its `dirty` flag set). */
  #dirty: string[] = [];
  /** The column values of the event being pushed (read into this array, never a fresh one). */
  readonly #values: (Scalar | undefined)[];
  /** What pushAll's reads ahead summed: written so the compiler keeps those loads, never read. */
  // eslint-disable-next-line no-unused-private-class-members -- a sink, see above
  #touched = 0;
  #timer: TimerHandle | undefined = undefined;
  #timerDue = Number.POSITIVE_INFINITY;
  #events = 0;
  #keyless = 0;
  #late = 0;
  #tooLate = 0;

  constructor(options: TimelineEvaluatorOptions) {
    this.#plan = options.plan;
    this.#stores = Object.freeze({ arena: new TailArena(options.plan.layout), rows: new RowLog(options.plan.columns.length), history: new HistoryLog() });
    this.#readKey = columnReader(columnSegments(options.key));
    this.#values = new Array<Scalar | undefined>(options.plan.columns.length).fill(undefined);
    this.#clock = options.clock;
    this.#options = Object.freeze({
      checkpointEvery: options.checkpointEvery ?? KEY_TIMELINE_DEFAULTS.checkpointEvery,
      lateHorizonMs: options.lateHorizonMs ?? KEY_TIMELINE_DEFAULTS.lateHorizonMs,
    });
    if (!Number.isInteger(this.#options.checkpointEvery) || this.#options.checkpointEvery < 1) throw new RangeError('checkpointEvery must be an integer >= 1');
    if (!(this.#options.lateHorizonMs >= 0)) throw new RangeError('lateHorizonMs must be >= 0');
  }

  get plan(): TimelinePlan {
    return this.#plan;
  }

  /** Applies one event; a late one re-evaluates its key. Keyless events are counted and skipped. */
  push(event: TimelineEvent): PushOutcome | 'keyless' {
    const key = this.#keyOf(event);
    if (key === undefined) {
      this.#keyless += 1;
      return 'keyless';
    }
    return this.#pushKeyed(event, key, this.#keyIndex.intern(key));
  }

  /**
   * `push` of every event, in order (outcomes are counted in `stats`). Each
   * run of PREFETCH_EVENTS events first finds its keys and reads one word of
   * each cache line of their state, then applies the events: with keys
   * interleaved every key's state is cold, and loads that do not depend on
   * each other overlap their misses, where one event at a time waits for
   * each in turn. Nothing is changed before the events are applied in order.
   */
  pushAll(events: readonly TimelineEvent[]): void {
    const size = Math.min(events.length, PREFETCH_EVENTS);
    const keys = new Array<string | undefined>(size).fill(undefined);
    const indices = new Int32Array(size);
    for (let from = 0; from < events.length; from += PREFETCH_EVENTS) {
      const count = Math.min(events.length - from, PREFETCH_EVENTS);
      for (let i = 0; i < count; i += 1) {
        const key = this.#keyOf(events[from + i] as TimelineEvent);
        keys[i] = key;
        indices[i] = key === undefined ? -1 : this.#keyIndex.get(key);
      }
      let touched = 0;
      for (let i = 0; i < count; i += 1) {
        const index = indices[i] as number;
        // A new key (-1) has no state yet.
        if (index >= 0) touched += this.#timelines[index]?.touch() ?? 0;
      }
      this.#touched = touched;
      for (let i = 0; i < count; i += 1) {
        const key = keys[i];
        if (key === undefined) this.#keyless += 1;
        else {
          const index = indices[i] as number;
          this.#pushKeyed(events[from + i] as TimelineEvent, key, index >= 0 ? index : this.#keyIndex.intern(key));
        }
      }
    }
  }

  /** The event's key, or undefined when it has no string or number there. */
  #keyOf(event: TimelineEvent): string | undefined {
    const raw = this.#readKey(event.data);
    if (typeof raw === 'string') return raw;
    return typeof raw === 'number' ? String(raw) : undefined;
  }

  #pushKeyed(event: TimelineEvent, key: string, index: number): PushOutcome {
    let timeline = this.#timelines[index];
    if (timeline === undefined) {
      timeline = new KeyTimeline(this.#plan, this.#options, undefined, this.#stores);
      this.#timelines.push(timeline);
    }
    const readers = this.#plan.readers;
    const values = this.#values;
    for (let column = 0; column < readers.length; column += 1) values[column] = (readers[column] as ColumnReader)(event.data);
    const outcome = timeline.pushValues(event, values);
    this.#events += 1;
    if ((outcome === 'applied' || outcome === 'revised') && timeline.markDirty()) this.#dirty.push(key);
    if (outcome === 'revised') this.#late += 1;
    else if (outcome === 'too_late') this.#tooLate += 1;
    if (this.#listeners.size > 0 && (outcome === 'applied' || outcome === 'revised')) this.#afterPush(key, timeline, outcome === 'revised' ? event.ts : undefined);
    return outcome;
  }

  keys(): string[] {
    return [...this.#keyIndex.keys()];
  }

  has(key: string): boolean {
    return this.#keyIndex.get(key) >= 0;
  }

  stats(): EvaluatorStats {
    return { keys: this.#timelines.length, events: this.#events, keyless: this.#keyless, late: this.#late, tooLate: this.#tooLate };
  }

  /** The key's result at `t` (durations in seconds); null before its first event or when unknown. */
  valueAt(key: string, t: number): Scalar | null {
    const timeline = this.#timeline(key);
    return timeline === undefined ? null : this.#output(timeline.valueAt(0, t));
  }

  /** The key's result over [start, end) as intervals (start omitted: from its first event); unknown before its first event. */
  intervals(key: string, startAt: number | undefined = undefined, end: number | undefined = undefined): TimelineInterval[] {
    const timeline = this.#timeline(key);
    const pieces = timeline === undefined ? [] : timeline.pieces(0);
    const start = startAt ?? pieces[0]?.start;
    if (start === undefined) return [];
    const out: TimelineInterval[] = [];
    const firstStart = pieces[0]?.start ?? Number.POSITIVE_INFINITY;
    if (start < firstStart) out.push({ start, end: end === undefined || firstStart < end ? (firstStart === Number.POSITIVE_INFINITY ? null : firstStart) : end, value: null });
    for (let index = Math.max(0, pieceIndexAt(pieces, start)); index < pieces.length; index += 1) {
      const p = pieces[index] as Piece;
      if (end !== undefined && p.start >= end) break;
      const from = Math.max(p.start, start);
      const nextStart = pieces[index + 1]?.start;
      const until = nextStart === undefined ? (end ?? null) : end === undefined ? nextStart : Math.min(nextStart, end);
      if (until !== null && until <= from) continue;
      out.push(this.#interval(from, until, extrapolate(p, from), p.slope));
    }
    return out;
  }

  /** The aggregate of every key's result at `t`, grouped as the query says. */
  aggregate(t: number): AggregateRow[] {
    const spec = this.#plan.aggregate ?? { functions: ['count', 'sum', 'avg', 'min', 'max'] as const };
    const grouped = this.#plan.groupRoot >= 0;
    const entries = function* (timelines: readonly KeyTimeline[]): Generator<readonly [PieceValue, PieceValue]> {
      for (const timeline of timelines) yield [timeline.valueAt(0, t), grouped ? timeline.valueAt(1, t) : null];
    };
    return aggregateValues(spec, entries(this.#timelines), this.#plan.rootIsDuration ? MS_PER_SECOND : 1);
  }

  /**
   * Calls `listener` with every change from now on. Changes no event marks
   * are sent when the clock reaches them; a late event sends one `revised`
   * change at its time.
   */
  onChange(listener: ChangeListener): () => void {
    if (this.#listeners.size === 0) this.#startNotifying();
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stopNotifying();
    };
  }

  /** Sends every change due at or before `now` (called from the clock's timer; tests may call it directly). */
  advanceTo(now: number): void {
    for (;;) {
      const entry = this.#heap.peek();
      if (entry === undefined || entry.due > now) break;
      this.#heap.pop();
      const state = this.#notify.get(entry.key);
      const timeline = this.#timeline(entry.key);
      if (state === undefined || timeline === undefined || state.due !== entry.due) continue;
      this.#sendUntil(entry.key, timeline, state, now);
      this.#schedule(entry.key, timeline, state);
    }
    this.#arm();
  }

  /** The state of every key (`all`) or of the keys changed since the last call, for a durable checkpoint. */
  takeStates(all: boolean): [string, KeyState][] {
    const out: [string, KeyState][] = [];
    if (all) this.#timelines.forEach((timeline, index) => out.push([this.#keyIndex.keyAt(index), timeline.state()]));
    else {
      for (const key of this.#dirty) {
        const timeline = this.#timeline(key);
        if (timeline?.dirty === true) out.push([key, timeline.state()]);
      }
    }
    for (const key of this.#dirty) {
      const timeline = this.#timeline(key);
      timeline?.clearDirty();
    }
    this.#dirty = [];
    return out;
  }

  /** Restores keys from a durable checkpoint (before pushing anything newer). */
  restoreKey(key: string, state: KeyState): void {
    const timeline = new KeyTimeline(this.#plan, this.#options, state, this.#stores);
    const index = this.#keyIndex.intern(key);
    if (index === this.#timelines.length) this.#timelines.push(timeline);
    else {
      this.#timelines[index]?.leave();
      this.#timelines[index] = timeline;
    }
  }

  close(): void {
    this.#stopNotifying();
    this.#listeners.clear();
  }

  #timeline(key: string): KeyTimeline | undefined {
    const index = this.#keyIndex.get(key);
    return index < 0 ? undefined : this.#timelines[index];
  }

  #output(value: PieceValue): Scalar | null {
    return this.#plan.rootIsDuration && typeof value === 'number' ? value / MS_PER_SECOND : value;
  }

  #interval(start: number, end: number | null, value: PieceValue, slope: number): TimelineInterval {
    const output = this.#output(value);
    return slope === 0 ? { start, end, value: output } : { start, end, value: output, rate: slope };
  }

  #change(key: string, at: number, p: Piece, revised: boolean): TimelineChange {
    const value = this.#output(extrapolate(p, at));
    const base = p.slope === 0 ? { key, at, value } : { key, at, value, rate: p.slope };
    return revised ? { ...base, revised: true } : base;
  }

  #emit(change: TimelineChange): void {
    for (const listener of this.#listeners) listener(change);
  }

  #startNotifying(): void {
    const now = this.#clock.now();
    for (const [index, timeline] of this.#timelines.entries()) {
      const key = this.#keyIndex.keyAt(index);
      const at = Math.max(now, timeline.frontierTs);
      const current = timeline.piecesFrom(0, at)[0];
      const state: NotifyState = { sentUntil: at, last: current, due: Number.POSITIVE_INFINITY };
      this.#notify.set(key, state);
      this.#schedule(key, timeline, state);
    }
    this.#arm();
  }

  #stopNotifying(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
    this.#notify.clear();
    while (this.#heap.pop() !== undefined);
  }

  #afterPush(key: string, timeline: KeyTimeline, lateTs: number | undefined): void {
    let state = this.#notify.get(key);
    if (state === undefined) {
      state = { sentUntil: Number.NEGATIVE_INFINITY, last: undefined, due: Number.POSITIVE_INFINITY };
      this.#notify.set(key, state);
    }
    if (lateTs !== undefined && lateTs <= state.sentUntil) {
      const at = state.sentUntil;
      const current = timeline.piecesFrom(0, at)[0] as Piece;
      this.#emit(this.#change(key, lateTs, current, true));
      state.last = current;
    }
    this.#sendUntil(key, timeline, state, Math.max(timeline.frontierTs, this.#clock.now()));
    this.#schedule(key, timeline, state);
    this.#arm();
  }

  /** Sends the key's changes in (sentUntil, until], in time order. */
  #sendUntil(key: string, timeline: KeyTimeline, state: NotifyState, until: number): void {
    if (until <= state.sentUntil) return;
    const from = state.sentUntil === Number.NEGATIVE_INFINITY ? timeline.firstTs : state.sentUntil;
    const pieces = timeline.piecesFrom(0, from);
    for (const p of pieces) {
      if (p.start > until) break;
      if (p.start <= state.sentUntil) continue;
      if (state.last !== undefined && sameState({ ...state.last, start: p.start, value: extrapolate(state.last, p.start) }, p)) continue;
      this.#emit(this.#change(key, p.start, p, false));
      state.last = p;
    }
    state.sentUntil = until;
  }

  #schedule(key: string, timeline: KeyTimeline, state: NotifyState): void {
    const upcoming = timeline.piecesFrom(0, state.sentUntil).find((p) => p.start > state.sentUntil);
    const due = upcoming?.start ?? Number.POSITIVE_INFINITY;
    // The heap holds an entry for the current due already: pushing it again per event would grow the heap with the event count.
    if (due === state.due) return;
    state.due = due;
    if (upcoming !== undefined) this.#heap.push({ due, key });
  }

  #arm(): void {
    const next = this.#heap.peek()?.due;
    if (next === undefined || next >= this.#timerDue) return;
    this.#timer?.cancel();
    this.#timerDue = next;
    this.#timer = this.#clock.setTimer(Math.max(0, next - this.#clock.now()), () => {
      this.#timer = undefined;
      this.#timerDue = Number.POSITIVE_INFINITY;
      this.advanceTo(this.#clock.now());
    });
  }
}
