/**
 * The incremental rules, compiled once per plan into one closure per node
 * (children first), each moving its node's tail in a key's TailStore from
 * the previous event to this one, in place. A tail is the node's timeline
 * from the key's latest event on, as it will be if no other event comes:
 * window ends and crossings are already in it, so they happen without an
 * event. A tail an event did not change is left as it is (it may begin
 * before the latest event; only its part from the event on is read). Each
 * kernel costs work bounded by the expression, never by history, and
 * allocates nothing.
 */
import type { PlanNode } from './compile-timeline.js';
import { and3, compareScalar, growingTruth, or3 } from './pointwise.js';
import type { TailStore } from './tail-store.js';
import type { PieceValue, Scalar } from './timeline-piece.js';

/**
 * The event being stepped: one object per plan, rewritten for each event
 * (steps never interleave). The time travels in a field, not as an
 * argument: a call through the kernel table is not inlined, and a double
 * passed to it would be a heap box per call.
 */
export interface StepInput {
  /** The event's time. */
  t: number;
  /** Its column values start at `values[base]`. */
  values: readonly (Scalar | undefined)[];
  base: number;
  /** The key's first event. */
  first: boolean;
}

/** A step's input before any event. */
export function stepInput(): StepInput {
  // A double from the start, so the field keeps one representation.
  return { t: 0.5, values: [], base: 0, first: false };
}

/**
 * Steps one node for the event in `step`; `changed` holds, by node, whether
 * this event changed that node's tail (children are stepped first). Returns
 * whether it changed.
 */
export type StepKernel = (tails: TailStore, step: StepInput, changed: Uint8Array) => boolean;

function windowEnd(tails: TailStore, node: number): number {
  if (tails.length(node) === 0 || tails.value(node, 0) !== true) return Number.NEGATIVE_INFINITY;
  return tails.length(node) > 1 ? tails.start(node, 1) : Number.POSITIVE_INFINITY;
}

function asBoolean(value: PieceValue): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

function kernel(node: PlanNode, index: number): StepKernel {
  switch (node.op) {
    case 'latest_event_to_state': {
      const column = node.column;
      return (tails, step) => {
        const { t, values, base, first } = step;
        const value = values[base + column];
        if (first) {
          tails.clear(index);
          tails.put(index, t, value === undefined ? null : value, 0);
          return true;
        }
        if (value === undefined || value === tails.tailValueAt(index, t)) return false;
        tails.clear(index);
        tails.put(index, t, value, 0);
        return true;
      };
    }
    case 'has_existed': {
      const where = node.where;
      return (tails, step) => {
        const { t, values, base, first } = step;
        if (!first && tails.length(index) > 0 && tails.value(index, 0) === true) return false;
        if (where(values, base)) {
          tails.clear(index);
          tails.put(index, t, true, 0);
          return true;
        }
        if (!first) return false;
        tails.clear(index);
        tails.put(index, t, false, 0);
        return true;
      };
    }
    case 'has_existed_within': {
      const { where, windowMs } = node;
      return (tails, step) => {
        const { t, values, base, first } = step;
        if (!where(values, base)) {
          if (!first) return false;
          tails.clear(index);
          tails.put(index, t, false, 0);
          return true;
        }
        // Each match re-arms: overlapping (and touching) windows join into one.
        const end = Math.max(first ? Number.NEGATIVE_INFINITY : windowEnd(tails, index), t + windowMs);
        tails.clear(index);
        if (end <= t) {
          tails.put(index, t, false, 0);
          return true;
        }
        tails.put(index, t, true, 0);
        if (end !== Number.POSITIVE_INFINITY) tails.put(index, end, false, 0);
        return true;
      };
    }
    case 'compare': {
      const { child, cmp, constant } = node;
      const numeric = typeof constant === 'number';
      return (tails, step, changed) => {
        const { first } = step;
        if (!first && changed[child] === 0) return false;
        tails.clear(index);
        const length = tails.length(child);
        for (let i = 0; i < length; i += 1) {
          const start = tails.start(child, i);
          const value = tails.value(child, i);
          const slope = tails.slope(child, i);
          if (slope === 0 || !numeric) {
            tails.put(index, start, compareScalar(value, cmp, constant), 0);
            continue;
          }
          const end = i + 1 < length ? tails.start(child, i + 1) : Number.POSITIVE_INFINITY;
          const crossing = start + ((constant as number) - (value as number)) / slope;
          const rising = slope > 0;
          if (crossing <= start) tails.put(index, start, growingTruth(cmp, !rising), 0);
          else {
            tails.put(index, start, growingTruth(cmp, rising), 0);
            if (crossing < end) tails.put(index, crossing, growingTruth(cmp, !rising), 0);
          }
        }
        return true;
      };
    }
    case 'and':
    case 'or': {
      const children = Int32Array.from(node.children);
      const f = node.op === 'and' ? and3 : or3;
      // Per-child cursors, shared by every key of the plan (steps never interleave).
      const cursors = new Int32Array(children.length);
      return (tails, step, changed) => {
        const { t, first } = step;
        if (!first) {
          let any = false;
          for (let c = 0; c < children.length; c += 1) if (changed[children[c] as number] !== 0) any = true;
          if (!any) return false;
        }
        tails.clear(index);
        cursors.fill(0);
        for (;;) {
          let breakpoint = Number.POSITIVE_INFINITY;
          for (let c = 0; c < children.length; c += 1) {
            const child = children[c] as number;
            const at = cursors[c] as number;
            if (at < tails.length(child)) breakpoint = Math.min(breakpoint, tails.start(child, at));
          }
          if (breakpoint === Number.POSITIVE_INFINITY) break;
          const start = breakpoint < t ? t : breakpoint;
          let value: PieceValue = null;
          for (let c = 0; c < children.length; c += 1) {
            const child = children[c] as number;
            let at = cursors[c] as number;
            if (at < tails.length(child) && tails.start(child, at) === breakpoint) cursors[c] = at += 1;
            const v = at > 0 ? tails.valueOf(child, at - 1, start) : null;
            value = c === 0 ? asBoolean(v) : f(value, v);
          }
          tails.put(index, start, value, 0);
        }
        return true;
      };
    }
    case 'not': {
      const child = node.child;
      return (tails, step, changed) => {
        const { first } = step;
        if (!first && changed[child] === 0) return false;
        tails.clear(index);
        for (let i = 0; i < tails.length(child); i += 1) {
          const value = tails.value(child, i);
          tails.put(index, tails.start(child, i), typeof value === 'boolean' ? !value : null, 0);
        }
        return true;
      };
    }
    case 'duration_where': {
      const child = node.child;
      return (tails, step, changed) => {
        const { t, first } = step;
        // Same child timeline from here on: the same integral.
        if (!first && changed[child] === 0) return false;
        // The total is continuous, so the event at t does not change it at t.
        let total = first ? 0 : (tails.tailValueAt(index, t) as number);
        tails.clear(index);
        const length = tails.length(child);
        for (let i = tails.coveringIndex(child, t); i < length; i += 1) {
          const pieceStart = tails.start(child, i);
          const start = pieceStart < t ? t : pieceStart;
          const slope = tails.value(child, i) === true ? 1 : 0;
          tails.put(index, start, total, slope);
          if (i + 1 < length) total += slope * (tails.start(child, i + 1) - start);
        }
        return true;
      };
    }
    case 'duration_in_cur_state': {
      const child = node.child;
      return (tails, step, changed) => {
        const { t, first } = step;
        if (!first && changed[child] === 0) return false;
        // Compare with the state just before t (not the old tail at t), so a
        // value that an event keeps exactly when it would have ended is no change.
        let same = false;
        if (!first) {
          const at = tails.lastAtOrBefore(child, t);
          const value = at < 0 ? null : tails.valueOf(child, at, t);
          const slope = at < 0 ? 0 : tails.slope(child, at);
          same = tails.leftValue(child) === value && tails.leftSlope(child) === slope;
        }
        const left = same ? tails.leftValue(index) : null;
        const elapsed = typeof left === 'number' ? left : null;
        tails.clear(index);
        const length = tails.length(child);
        const from = tails.coveringIndex(child, t);
        for (let i = from; i < length; i += 1) {
          const pieceStart = tails.start(child, i);
          const start = pieceStart < t ? t : pieceStart;
          if (tails.value(child, i) === null) tails.put(index, start, null, 0);
          else tails.put(index, start, i === from && elapsed !== null ? elapsed : 0, 1);
        }
        return true;
      };
    }
  }
}

export function compileKernels(nodes: readonly PlanNode[]): StepKernel[] {
  return nodes.map(kernel);
}
