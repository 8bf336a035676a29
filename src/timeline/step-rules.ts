/**
 * How each operator moves from its tail at the previous event to its tail
 * at the next one (the incremental rules). A tail is the node's timeline
 * from the key's latest event on, as it will be if no other event comes:
 * window ends and crossings are already in it, so they happen without an
 * event. A tail may begin before the latest event (a tail an event did not
 * change is kept as it is, not copied); only its part from the latest event
 * on is read. Each rule costs work bounded by the expression, never by history.
 */
import type { PlanNode, TimelineRow } from './compile-timeline.js';
import { and3, combinePieces, comparePieces, integrateTruth, mapPieces, not3, or3, stateAt, timeInState } from './pointwise.js';
import { piece, sameState, valueAt, type Piece } from './timeline-piece.js';

export interface StepContext {
  /** The event's time. */
  t: number;
  row: TimelineRow;
  /** The key's first event: every node starts here. */
  first: boolean;
  /** Tails before this event, by node. */
  old: readonly (readonly Piece[])[];
  /** Tails after this event, filled children first. */
  next: readonly (readonly Piece[])[];
  /** States just before `t` (for nodes that need them). */
  lefts: readonly Piece[];
}

type Rule<N extends PlanNode> = (node: N, index: number, context: StepContext) => readonly Piece[];
/** The plan node of one op (some node shapes serve several ops). */
type NodeOf<K extends PlanNode['op']> = PlanNode extends infer N ? (N extends { readonly op: infer O } ? (K extends O ? N : never) : never) : never;
type Rules = { readonly [K in PlanNode['op']]: Rule<NodeOf<K>> };

/** Shared constant tails: they hold from any start, so no event allocates them. */
const EARLIEST = Number.MIN_SAFE_INTEGER;
const TRUE_TAIL: readonly Piece[] = Object.freeze([Object.freeze(piece(EARLIEST, true))]);
const FALSE_TAIL: readonly Piece[] = Object.freeze([Object.freeze(piece(EARLIEST, false))]);
const UNKNOWN_TAIL: readonly Piece[] = Object.freeze([Object.freeze(piece(EARLIEST, null))]);

function windowEnd(tail: readonly Piece[]): number {
  const head = tail[0];
  if (head?.value !== true) return Number.NEGATIVE_INFINITY;
  return tail[1]?.start ?? Number.POSITIVE_INFINITY;
}

function unchanged(child: number, { first, old, next }: StepContext): boolean {
  return !first && old[child] === next[child];
}

function unchangedAll(children: readonly number[], context: StepContext): boolean {
  if (context.first) return false;
  for (const child of children) if (context.old[child] !== context.next[child]) return false;
  return true;
}

export const STEP_RULES: Rules = {
  latest_event_to_state(node, index, { t, row, first, old }) {
    const value = row.values[node.column];
    if (first) return value === undefined ? UNKNOWN_TAIL : [piece(t, value)];
    const tail = old[index] as Piece[];
    if (value === undefined || value === valueAt(tail, t)) return tail;
    return [piece(t, value)];
  },
  has_existed(node, index, { row, first, old }) {
    if (!first && (old[index] as Piece[])[0]?.value === true) return old[index] as Piece[];
    return node.where(row.values) ? TRUE_TAIL : first ? FALSE_TAIL : (old[index] as Piece[]);
  },
  has_existed_within(node, index, { t, row, first, old }) {
    const matches = node.where(row.values);
    if (!matches) return first ? FALSE_TAIL : (old[index] as Piece[]);
    // Each match re-arms: overlapping (and touching) windows join into one.
    const end = Math.max(first ? Number.NEGATIVE_INFINITY : windowEnd(old[index] as Piece[]), t + node.windowMs);
    if (end <= t) return FALSE_TAIL;
    return end === Number.POSITIVE_INFINITY ? TRUE_TAIL : [piece(t, true), piece(end, false)];
  },
  compare(node, index, context) {
    if (unchanged(node.child, context)) return context.old[index] as Piece[];
    return comparePieces(context.next[node.child] as Piece[], node.cmp, node.constant);
  },
  and(node, index, context) {
    if (unchangedAll(node.children, context)) return context.old[index] as Piece[];
    const { next, t } = context;
    let out = next[node.children[0] as number] as Piece[];
    for (let i = 1; i < node.children.length; i += 1) out = combinePieces(out, next[node.children[i] as number] as Piece[], and3, t);
    return out;
  },
  or(node, index, context) {
    if (unchangedAll(node.children, context)) return context.old[index] as Piece[];
    const { next, t } = context;
    let out = next[node.children[0] as number] as Piece[];
    for (let i = 1; i < node.children.length; i += 1) out = combinePieces(out, next[node.children[i] as number] as Piece[], or3, t);
    return out;
  },
  not(node, index, context) {
    if (unchanged(node.child, context)) return context.old[index] as Piece[];
    return mapPieces(context.next[node.child] as Piece[], not3);
  },
  duration_where(node, index, context) {
    // Same child timeline from here on: the same integral.
    if (unchanged(node.child, context)) return context.old[index] as Piece[];
    const { t, first, old, next } = context;
    // The total is continuous, so the event at t does not change it at t.
    const total = first ? 0 : (valueAt(old[index] as Piece[], t) as number);
    return integrateTruth(next[node.child] as Piece[], total, t);
  },
  duration_in_cur_state(node, index, context) {
    if (unchanged(node.child, context)) return context.old[index] as Piece[];
    const { t, first, next, lefts } = context;
    const child = next[node.child] as Piece[];
    // Compare with the state just before t (not the old tail at t), so a
    // value that an event keeps exactly when it would have ended is no change.
    const same = !first && sameState(lefts[node.child] as Piece, stateAt(child, t));
    const elapsed = same ? (lefts[index] as Piece).value : null;
    return timeInState(child, typeof elapsed === 'number' ? elapsed : null, t);
  },
};

export function stepNode(node: PlanNode, index: number, context: StepContext): readonly Piece[] {
  return (STEP_RULES[node.op] as Rule<PlanNode>)(node, index, context);
}
