/**
 * How each operator moves from its tail at the previous event to its tail
 * at the next one (the incremental rules). A tail is the node's timeline
 * from the key's latest event on, as it will be if no other event comes:
 * window ends and crossings are already in it, so they happen without an
 * event. Each rule costs work bounded by the expression, never by history.
 */
import type { PlanNode, TimelineRow } from './compile-timeline.js';
import { combinePieces, comparePieces, and3, or3, integrateTruth, mapPieces, not3, timeInState } from './pointwise.js';
import { continues, piece, valueAt, type Piece } from './timeline-piece.js';

export interface StepContext {
  /** The event's time. */
  readonly t: number;
  readonly row: TimelineRow;
  /** The key's first event: every node starts here. */
  readonly first: boolean;
  /** Tails before this event, by node. */
  readonly old: readonly (readonly Piece[])[];
  /** Tails after this event, filled children first. */
  readonly next: readonly (readonly Piece[])[];
  /** States just before `t` (for nodes that need them). */
  readonly lefts: readonly Piece[];
}

type Rule<N extends PlanNode> = (node: N, index: number, context: StepContext) => Piece[];
/** The plan node of one op (some node shapes serve several ops). */
type NodeOf<K extends PlanNode['op']> = PlanNode extends infer N ? (N extends { readonly op: infer O } ? (K extends O ? N : never) : never) : never;
type Rules = { readonly [K in PlanNode['op']]: Rule<NodeOf<K>> };

function windowEnd(tail: readonly Piece[]): number {
  const head = tail[0];
  if (head?.value !== true) return Number.NEGATIVE_INFINITY;
  return tail[1]?.start ?? Number.POSITIVE_INFINITY;
}

export const STEP_RULES: Rules = {
  latest_event_to_state(node, index, { t, row, first, old }) {
    const value = row.values[node.column];
    if (value !== undefined) return [piece(t, value)];
    return [piece(t, first ? null : valueAt(old[index] as Piece[], t))];
  },
  has_existed(node, index, { t, row, first, old }) {
    const before = !first && valueAt(old[index] as Piece[], t) === true;
    return [piece(t, before || node.where(row.values))];
  },
  has_existed_within(node, index, { t, row, first, old }) {
    let end = first ? Number.NEGATIVE_INFINITY : windowEnd(old[index] as Piece[]);
    // Each match re-arms: overlapping (and touching) windows join into one.
    if (node.where(row.values)) end = Math.max(end, t + node.windowMs);
    if (end <= t) return [piece(t, false)];
    return end === Number.POSITIVE_INFINITY ? [piece(t, true)] : [piece(t, true), piece(end, false)];
  },
  compare(node, _index, { next }) {
    return comparePieces(next[node.child] as Piece[], node.cmp, node.constant);
  },
  and(node, _index, { next }) {
    let out = next[node.children[0] as number] as Piece[];
    for (let i = 1; i < node.children.length; i += 1) out = combinePieces(out, next[node.children[i] as number] as Piece[], and3);
    return out;
  },
  or(node, _index, { next }) {
    let out = next[node.children[0] as number] as Piece[];
    for (let i = 1; i < node.children.length; i += 1) out = combinePieces(out, next[node.children[i] as number] as Piece[], or3);
    return out;
  },
  not(node, _index, { next }) {
    return mapPieces(next[node.child] as Piece[], not3);
  },
  duration_where(node, index, { t, first, old, next }) {
    // The total is continuous, so the event at t does not change it at t.
    const total = first ? 0 : (valueAt(old[index] as Piece[], t) as number);
    return integrateTruth(next[node.child] as Piece[], total);
  },
  duration_in_cur_state(node, index, { first, next, lefts }) {
    const child = next[node.child] as Piece[];
    // Compare with the state just before t (not the old tail at t), so a
    // value that an event keeps exactly when it would have ended is no change.
    const unchanged = !first && continues(lefts[node.child] as Piece, child[0] as Piece);
    const elapsed = unchanged ? (lefts[index] as Piece).value : null;
    return timeInState(child, typeof elapsed === 'number' ? elapsed : null);
  },
};

export function stepNode(node: PlanNode, index: number, context: StepContext): Piece[] {
  return (STEP_RULES[node.op] as Rule<PlanNode>)(node, index, context);
}
