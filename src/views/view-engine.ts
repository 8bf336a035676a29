/**
 * Maintains one view's rows incrementally (per event work independent of
 * history): an inner equi-join of two channels (each side indexed by join
 * key), filter, group, retractable aggregates, HAVING, ORDER BY ... LIMIT as
 * a sorted candidate list whose first k rows are visible, and the sliding
 * window, whose events leave as the reader's clock passes them. Each change
 * comes back as `{row, diff: +1 | -1}`, the shape of a delta, with the row's
 * key and ORDER BY values (where it ranks).
 */
import type { StoredEvent } from '../core/event.js';
import { compareReplayOrder } from '../core/event.js';
import { AggregateState } from './aggregate-state.js';
import { compare, evaluate } from './evaluate-expr.js';
import { JoinSide } from './join-side.js';
import { JoinedEvents, type ViewInput } from './view-input.js';
import { rankIndex, type RankedChange, type RankedRow, type ViewRow } from './ranked-rows.js';
import type { Literal, ViewExpr, ViewPlan } from './view-plan.js';

export type { RowChange, ViewRow } from './ranked-rows.js';

type AggregateExpr = Extract<ViewExpr, { kind: 'aggregate' }>;

interface Group {
  readonly keyValues: readonly Literal[];
  /** One state per entry of the engine's aggregate list, same order. */
  readonly aggregates: readonly AggregateState[];
  events: number;
}

type Candidate = RankedRow;

export class ViewEngine {
  readonly #plan: ViewPlan;
  readonly #aggregated: boolean;
  /** Each distinct aggregate of the view once (the same count(*) in SELECT and ORDER BY is one state). */
  readonly #aggregateExprs: readonly AggregateExpr[];
  /** Resolved at construction by node identity, so no event pays for finding them. */
  readonly #aggregateIndexOf = new Map<ViewExpr, number>();
  readonly #groupIndexOf = new Map<ViewExpr, number>();
  readonly #groups = new Map<string, Group>();
  /** Rows that pass HAVING, sorted by ORDER BY (ties by key); the first LIMIT of them are the view. */
  readonly #candidates: Candidate[] = [];
  readonly #candidateByKey = new Map<string, Candidate>();
  /** The two sides of a join (left, right), or null for a one-channel view. */
  readonly #join: readonly [JoinSide, JoinSide] | null;
  /** Which source the sliding window bounds: its index in `plan.sources`, or -1 without a window. */
  readonly #windowSide: number;
  /** Events inside the sliding window, in replay order, to retract when they leave it. */
  readonly #windowEvents: StoredEvent[] = [];
  /** Inside insertAll: the visible rows are diffed once for the whole batch, not per event. */
  #batching = false;

  constructor(plan: ViewPlan) {
    this.#plan = plan;
    this.#join = plan.joinOn === null ? null : joinSides(plan);
    this.#windowSide = plan.slidingWindow === null ? -1 : plan.sources.findIndex((source) => source.alias === plan.slidingWindow?.source);
    const groupTexts = plan.groupBy.map((expr) => JSON.stringify(expr));
    const aggregateTexts: string[] = [];
    const aggregates: AggregateExpr[] = [];
    const resolve = (expr: ViewExpr | null): void => {
      if (expr === null) return;
      const text = JSON.stringify(expr);
      const groupIndex = groupTexts.indexOf(text);
      if (groupIndex !== -1) return void this.#groupIndexOf.set(expr, groupIndex);
      if (expr.kind === 'aggregate') {
        if (!aggregateTexts.includes(text)) {
          aggregateTexts.push(text);
          aggregates.push(expr);
        }
        return void this.#aggregateIndexOf.set(expr, aggregateTexts.indexOf(text));
      }
      if (expr.kind === 'and' || expr.kind === 'or') expr.args.forEach(resolve);
      else if (expr.kind === 'compare') [expr.left, expr.right].forEach(resolve);
      else if (expr.kind === 'not' || expr.kind === 'in' || expr.kind === 'isNull') resolve(expr.arg);
    };
    plan.columns.forEach((column) => resolve(column.expr));
    resolve(plan.having);
    plan.orderBy.forEach((order) => resolve(order.expr));
    this.#aggregateExprs = aggregates;
    this.#aggregated = plan.groupBy.length > 0 || aggregates.length > 0;
  }

  /** The view's rows, in ORDER BY order. */
  rows(): ViewRow[] {
    return this.#visible().map((candidate) => candidate.row);
  }

  /** The view's rows with their keys and ORDER BY values, in order. */
  entries(): readonly RankedRow[] {
    return this.#visible();
  }

  /** The channels whose events `insert` takes (two for a join, possibly the same one twice). */
  get channels(): readonly string[] {
    return this.#plan.sources.map((source) => source.channel);
  }

  /** Applies one event of one of the view's channels; returns the changes to the visible rows. */
  insert(event: StoredEvent): RankedChange[] {
    if (this.#join !== null) return this.#insertJoined(this.#join, event);
    if (this.#plan.where !== null && evaluate(this.#plan.where, event) !== true) return [];
    if (this.#windowSide !== -1) insertSorted(this.#windowEvents, event);
    return this.#apply(event, `${event.seq}`, 1);
  }

  /**
   * Applies a batch of events: the same rows as inserting them one by one,
   * with the visible top k compared once at the end (the per-event diff was
   * half the engine's time in bench/views).
   */
  insertAll(events: readonly StoredEvent[]): RankedChange[] {
    if (this.#plan.limit === null) return events.flatMap((event) => this.insert(event));
    const before = this.#visible();
    this.#batching = true;
    try {
      for (const event of events) this.insert(event);
    } finally {
      this.#batching = false;
    }
    return diffRows(before, this.#visible());
  }

  /** Moves the reader's clock to `nowMs`: events with ts <= now - window leave the view. */
  advanceTo(nowMs: number): RankedChange[] {
    const window = this.#plan.slidingWindow;
    if (window === null) return [];
    const changes: RankedChange[] = [];
    while (this.#windowEvents.length > 0 && (this.#windowEvents[0] as StoredEvent).ts <= nowMs - window.ms) {
      const event = this.#windowEvents.shift() as StoredEvent;
      if (this.#join === null) {
        changes.push(...this.#apply(event, `${event.seq}`, -1));
        continue;
      }
      const side = this.#join[this.#windowSide] as JoinSide;
      const key = side.keyOf(event) as string;
      side.remove(key, event);
      changes.push(...this.#pairs(this.#join, this.#windowSide, event, key, -1));
    }
    return changes;
  }

  /** Adds the event to each side it belongs to (both, in a self-join) and applies every pair it makes. */
  #insertJoined(join: readonly [JoinSide, JoinSide], event: StoredEvent): RankedChange[] {
    const changes: RankedChange[] = [];
    for (const [index, side] of join.entries()) {
      if (side.source.channel !== event.channel) continue;
      const key = side.keyOf(event);
      if (key === null) continue;
      side.add(key, event);
      if (index === this.#windowSide) insertSorted(this.#windowEvents, event);
      changes.push(...this.#pairs(join, index, event, key, 1));
    }
    return changes;
  }

  /** Applies (+1) or retracts (-1) every joined row `event`, on side `index`, makes with the other side. */
  #pairs(join: readonly [JoinSide, JoinSide], index: number, event: StoredEvent, key: string, direction: 1 | -1): RankedChange[] {
    const changes: RankedChange[] = [];
    const leftAlias = join[0].source.alias;
    for (const partner of (join[1 - index] as JoinSide).partners(key)) {
      const [left, right] = index === 0 ? [event, partner] : [partner, event];
      const input = new JoinedEvents(leftAlias, left, right);
      if (this.#plan.where !== null && evaluate(this.#plan.where, input) !== true) continue;
      changes.push(...this.#apply(input, `${left.seq}:${right.seq}`, direction));
    }
    return changes;
  }

  /** `rowKey` names the input's row where nothing is grouped: the event's seq, or a join pair's two. */
  #apply(event: ViewInput, rowKey: string, direction: 1 | -1): RankedChange[] {
    if (!this.#aggregated) {
      const row = direction === 1 ? Object.fromEntries(this.#plan.columns.map((column) => [column.name, evaluate(column.expr, event)])) : null;
      const sortValues = this.#plan.orderBy.map((order) => evaluate(order.expr, event));
      return this.#replace(rowKey, row === null ? null : { key: rowKey, row, sortValues });
    }
    const keyValues = this.#plan.groupBy.map((expr) => evaluate(expr, event));
    const key = JSON.stringify(keyValues);
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { keyValues, aggregates: this.#aggregateExprs.map((expr) => new AggregateState(expr.name, expr.distinct)), events: 0 };
      this.#groups.set(key, group);
    }
    group.events += direction;
    for (const [index, expr] of this.#aggregateExprs.entries()) {
      const value = expr.arg === null ? undefined : evaluate(expr.arg, event);
      const state = group.aggregates[index] as AggregateState;
      if (direction === 1) state.add(value);
      else state.remove(value);
    }
    if (group.events === 0) this.#groups.delete(key);
    return this.#replace(key, group.events === 0 ? null : this.#groupCandidate(key, group));
  }

  #groupCandidate(key: string, group: Group): Candidate | null {
    if (this.#plan.having !== null && this.#evaluateGroup(this.#plan.having, group) !== true) return null;
    const row = Object.fromEntries(this.#plan.columns.map((column) => [column.name, this.#evaluateGroup(column.expr, group)]));
    return { key, row, sortValues: this.#plan.orderBy.map((order) => this.#evaluateGroup(order.expr, group)) };
  }

  #evaluateGroup(expr: ViewExpr, group: Group): Literal {
    const grouped = this.#groupIndexOf.get(expr);
    if (grouped !== undefined) return group.keyValues[grouped] as Literal;
    switch (expr.kind) {
      case 'aggregate': return (group.aggregates[this.#aggregateIndexOf.get(expr) as number] as AggregateState).result();
      case 'literal': return expr.value;
      case 'compare': return compare(expr.op, this.#evaluateGroup(expr.left, group), this.#evaluateGroup(expr.right, group));
      case 'and': return expr.args.every((arg) => this.#evaluateGroup(arg, group) === true);
      case 'or': return expr.args.some((arg) => this.#evaluateGroup(arg, group) === true);
      case 'not': return this.#evaluateGroup(expr.arg, group) === false;
      default: return null;
    }
  }

  /** Swaps the candidate under `key` and returns how the visible rows changed. */
  #replace(key: string, next: Candidate | null): RankedChange[] {
    // Without LIMIT every candidate is visible: only this key's row changes (no copy of the view per event).
    const before = this.#plan.limit === null || this.#batching ? [] : this.#visible();
    const previous = this.#candidateByKey.get(key);
    if (previous !== undefined) {
      this.#candidates.splice(this.#indexOf(previous), 1);
      this.#candidateByKey.delete(key);
    }
    if (next !== null) {
      this.#candidates.splice(this.#indexOf(next), 0, next);
      this.#candidateByKey.set(key, next);
    }
    if (this.#plan.limit === null) return diffRows(previous === undefined ? [] : [previous], next === null ? [] : [next]);
    return this.#batching ? [] : diffRows(before, this.#visible());
  }

  #visible(): Candidate[] {
    return this.#plan.limit === null ? this.#candidates.slice() : this.#candidates.slice(0, this.#plan.limit);
  }

  /** Where `candidate` is or belongs among the candidates. */
  #indexOf(candidate: Candidate): number {
    return rankIndex(this.#plan.orderBy, this.#candidates, candidate);
  }
}

function joinSides(plan: ViewPlan): [JoinSide, JoinSide] {
  const [left, right] = plan.sources as [ViewPlan['sources'][number], ViewPlan['sources'][number]];
  const on = plan.joinOn as NonNullable<ViewPlan['joinOn']>;
  // ON may name the right channel first (ON p.order = o.id); the parser checked each side names one alias.
  const leftFirst = on.left.kind === 'field' && on.left.source === left.alias;
  return [new JoinSide(left, leftFirst ? on.left : on.right), new JoinSide(right, leftFirst ? on.right : on.left)];
}

/**
 * By identity: a candidate is a new object whenever its row is recomputed,
 * so an unchanged row costs nothing, and a recomputed row equal to the old
 * one gives a -1 and a +1 that netChanges cancels.
 */
function diffRows(before: readonly Candidate[], after: readonly Candidate[]): RankedChange[] {
  const kept = new Set(after);
  const had = new Set(before);
  return [
    ...before.filter((candidate) => !kept.has(candidate)).map((candidate): RankedChange => ({ ...candidate, diff: -1 })),
    ...after.filter((candidate) => !had.has(candidate)).map((candidate): RankedChange => ({ ...candidate, diff: 1 })),
  ];
}

function insertSorted(events: StoredEvent[], event: StoredEvent): void {
  let index = events.length;
  while (index > 0 && compareReplayOrder(events[index - 1] as StoredEvent, event) > 0) index -= 1;
  events.splice(index, 0, event);
}
