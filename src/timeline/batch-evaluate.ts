/**
 * The reference evaluation: every node's whole timeline computed at once
 * from all of a key's events in replay order (ts, seq). Slower than the
 * incremental evaluator and independent of its rules; the property test
 * holds the two equal.
 */
import type { TimelinePlan, TimelineRow } from './compile-timeline.js';
import { and3, combinePieces, comparePieces, integrateTruth, mapPieces, not3, or3, timeInState } from './pointwise.js';
import { appendPiece, piece, type Piece } from './timeline-piece.js';

/** Whole timelines by node, for rows already in replay order. */
export function batchEvaluate(plan: TimelinePlan, rows: readonly TimelineRow[]): Piece[][] {
  const out: Piece[][] = [];
  const first = rows[0];
  if (first === undefined) return plan.nodes.map(() => []);
  for (const node of plan.nodes) {
    const timeline: Piece[] = [];
    switch (node.op) {
      case 'latest_event_to_state':
        appendPiece(timeline, piece(first.ts, null));
        for (const row of rows) {
          const value = row.values[node.column];
          if (value !== undefined) appendPiece(timeline, piece(row.ts, value));
        }
        break;
      case 'has_existed': {
        const match = rows.find((row) => node.where(row.values, 0));
        appendPiece(timeline, piece(first.ts, false));
        if (match !== undefined) appendPiece(timeline, piece(match.ts, true));
        break;
      }
      case 'has_existed_within': {
        const windows: [number, number][] = [];
        for (const row of rows) {
          if (!node.where(row.values, 0) || node.windowMs === 0) continue;
          const last = windows[windows.length - 1];
          if (last !== undefined && row.ts <= last[1]) last[1] = Math.max(last[1], row.ts + node.windowMs);
          else windows.push([row.ts, row.ts + node.windowMs]);
        }
        appendPiece(timeline, piece(first.ts, false));
        for (const [start, end] of windows) {
          appendPiece(timeline, piece(start, true));
          if (end !== Number.POSITIVE_INFINITY) appendPiece(timeline, piece(end, false));
        }
        break;
      }
      case 'compare':
        out.push(comparePieces(out[node.child] as Piece[], node.cmp, node.constant));
        continue;
      case 'and':
      case 'or': {
        let combined = out[node.children[0] as number] as Piece[];
        for (const child of node.children.slice(1)) combined = combinePieces(combined, out[child] as Piece[], node.op === 'and' ? and3 : or3, first.ts);
        out.push(combined);
        continue;
      }
      case 'not':
        out.push(mapPieces(out[node.child] as Piece[], not3));
        continue;
      case 'duration_where':
        out.push(integrateTruth(out[node.child] as Piece[], 0, first.ts));
        continue;
      case 'duration_in_cur_state':
        out.push(timeInState(out[node.child] as Piece[], null, first.ts));
        continue;
    }
    out.push(timeline);
  }
  return out;
}
