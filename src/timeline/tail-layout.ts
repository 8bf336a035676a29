/**
 * Where each node's tail lives in a key's flat state: a fixed region of
 * piece slots per node, sized at compile time from a bound on the number of
 * pieces the node's tail can hold (the incremental rules never exceed it),
 * plus one slot per node whose state just before an instant is read
 * (duration_in_cur_state and its child). Every key of a plan shares the
 * layout, so a key's state is one stripe of doubles and one of values,
 * mutated in place.
 */
import { PlayheadError } from '../core/errors.js';
import type { PlanNode } from './compile-timeline.js';
import type { PieceValue } from './timeline-piece.js';

/** Pieces a key may need in all; more is refused as too complex (the bound doubles per nested crossing). */
export const MAX_TAIL_SLOTS = 1 << 14;
/** Doubles per piece slot: its start, its slope and its value when that is a number (see TailStore). */
export const SLOT_DOUBLES = 3;
/** A comparison of a nondecreasing duration flips at most twice (==, !=) over the whole tail. */
const MONOTONE_COMPARE_PIECES = 3;

export interface TailLayout {
  /** First slot of each node's tail region. */
  readonly offsets: Int32Array;
  /** Index in a key's number array of each node's first start (the counts come first). */
  readonly numOffsets: Int32Array;
  readonly nodeCount: number;
  /** Slots of each node's region (the bound on its tail's pieces). */
  readonly capacities: Int32Array;
  /** Slot of each node's left limit, or -1 when none is read. */
  readonly leftSlots: Int32Array;
  readonly slotCount: number;
  /** A key's state before any event: every tail empty, every left unknown. */
  readonly initialNums: readonly number[];
  readonly initialVals: readonly PieceValue[];
}

function isGrowing(node: PlanNode): boolean {
  return node.op === 'duration_where' || node.op === 'duration_in_cur_state';
}

/** The most pieces each node's tail can hold under the step rules (children first). */
function bounds(nodes: readonly PlanNode[]): number[] {
  const out: number[] = [];
  for (const node of nodes) {
    switch (node.op) {
      case 'latest_event_to_state':
      case 'has_existed':
        out.push(1);
        break;
      case 'has_existed_within':
        out.push(2);
        break;
      case 'compare': {
        const child = nodes[node.child] as PlanNode;
        const pieces = out[node.child] as number;
        // A growing piece splits at most once at the crossing.
        if (!isGrowing(child)) out.push(pieces);
        else out.push(child.op === 'duration_where' ? Math.min(MONOTONE_COMPARE_PIECES, 2 * pieces) : 2 * pieces);
        break;
      }
      case 'and':
      case 'or':
        out.push(node.children.reduce((sum, child) => sum + (out[child] as number), 0));
        break;
      case 'not':
      case 'duration_where':
      case 'duration_in_cur_state':
        out.push(out[node.child] as number);
        break;
    }
  }
  return out;
}

export function tailLayout(nodes: readonly PlanNode[], needsLeft: readonly boolean[]): TailLayout {
  const capacities = bounds(nodes);
  const offsets = new Int32Array(nodes.length);
  const leftSlots = new Int32Array(nodes.length).fill(-1);
  let slot = 0;
  for (let index = 0; index < nodes.length; index += 1) {
    offsets[index] = slot;
    slot += capacities[index] as number;
    if (slot > MAX_TAIL_SLOTS) {
      throw new PlayheadError('invalid_timeline', `the query is too complex: its state per key could need more than ${MAX_TAIL_SLOTS} pieces (nested comparisons of durations)`);
    }
  }
  for (let index = 0; index < nodes.length; index += 1) if (needsLeft[index]) leftSlots[index] = slot++;
  const numOffsets = offsets.map((offset) => nodes.length + SLOT_DOUBLES * offset);
  // Doubles from the start (not small integers), so the array never changes its element kind.
  const initialNums: number[] = [];
  for (let index = 0; index < nodes.length + SLOT_DOUBLES * slot; index += 1) initialNums.push(0.5);
  initialNums.fill(0);
  const initialVals = new Array<PieceValue>(slot).fill(null);
  return Object.freeze({ offsets, numOffsets, nodeCount: nodes.length, capacities: Int32Array.from(capacities), leftSlots, slotCount: slot, initialNums, initialVals });
}
