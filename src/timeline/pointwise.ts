/**
 * Pointwise operators on piece lists, for the batch evaluation (whole
 * timelines): comparison with a constant (splitting a growing piece at the
 * exact crossing instant), three-valued logic, integration of truth and
 * time-in-state. The incremental kernels (step-kernels.ts) apply the same
 * rules in place; the property test holds the two equal.
 */
import { appendPiece, extrapolate, piece, type Piece, type PieceValue, type Scalar } from './timeline-piece.js';

export const COMPARATORS = ['==', '!=', '<', '<=', '>', '>='] as const;
export type Comparator = (typeof COMPARATORS)[number];

/** `value <cmp> constant`; values of different types are never ordered (unknown), never equal. */
export function compareScalar(value: PieceValue, cmp: Comparator, constant: Scalar): boolean | null {
  if (value === null) return null;
  if (cmp === '==') return value === constant;
  if (cmp === '!=') return value !== constant;
  if (typeof value !== typeof constant || typeof value === 'boolean') return null;
  switch (cmp) {
    case '<': return value < constant;
    case '<=': return value <= constant;
    case '>': return value > constant;
    case '>=': return value >= constant;
  }
}

/**
 * On a growing piece the comparison holds on open intervals: before the
 * crossing the value is on one side, after it on the other; the crossing
 * instant itself has measure zero, so `==` never holds and `!=` always does.
 */
export function growingTruth(cmp: Comparator, below: boolean): boolean {
  switch (cmp) {
    case '==': return false;
    case '!=': return true;
    case '<': case '<=': return below;
    case '>': case '>=': return !below;
  }
}

export function comparePieces(pieces: readonly Piece[], cmp: Comparator, constant: Scalar): Piece[] {
  const out: Piece[] = [];
  for (let index = 0; index < pieces.length; index += 1) {
    const p = pieces[index] as Piece;
    if (p.slope === 0 || typeof constant !== 'number') {
      appendPiece(out, piece(p.start, compareScalar(p.value, cmp, constant)));
      continue;
    }
    const end = index + 1 < pieces.length ? (pieces[index + 1] as Piece).start : Number.POSITIVE_INFINITY;
    const crossing = p.start + (constant - (p.value as number)) / p.slope;
    const risingBelowFirst = p.slope > 0;
    if (crossing <= p.start) appendPiece(out, piece(p.start, growingTruth(cmp, !risingBelowFirst)));
    else {
      appendPiece(out, piece(p.start, growingTruth(cmp, risingBelowFirst)));
      if (crossing < end) appendPiece(out, piece(crossing, growingTruth(cmp, !risingBelowFirst)));
    }
  }
  return out;
}

export function asBoolean(value: PieceValue): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

export function and3(a: PieceValue, b: PieceValue): boolean | null {
  const x = asBoolean(a);
  const y = asBoolean(b);
  if (x === false || y === false) return false;
  return x === true && y === true ? true : null;
}

export function or3(a: PieceValue, b: PieceValue): boolean | null {
  const x = asBoolean(a);
  const y = asBoolean(b);
  if (x === true || y === true) return true;
  return x === false && y === false ? false : null;
}

export function not3(a: PieceValue): boolean | null {
  const x = asBoolean(a);
  return x === null ? null : !x;
}

export function mapPieces(pieces: readonly Piece[], f: (value: PieceValue) => PieceValue): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) appendPiece(out, piece(p.start, f(p.value)));
  return out;
}

/**
 * Pointwise `f` of two constant-valued piece lists, from `from` on. A list
 * may begin before `from` (a tail kept from an earlier event): breakpoints
 * before `from` are moved to it, and the last of them wins.
 */
export function combinePieces(a: readonly Piece[], b: readonly Piece[], f: (x: PieceValue, y: PieceValue) => PieceValue, from: number): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const pa = a[i];
    const pb = b[j];
    const breakpoint = Math.min(pa?.start ?? Number.POSITIVE_INFINITY, pb?.start ?? Number.POSITIVE_INFINITY);
    if (pa !== undefined && pa.start === breakpoint) i += 1;
    if (pb !== undefined && pb.start === breakpoint) j += 1;
    const start = breakpoint < from ? from : breakpoint;
    const va = i > 0 ? extrapolate(a[i - 1] as Piece, start) : null;
    const vb = j > 0 ? extrapolate(b[j - 1] as Piece, start) : null;
    appendPiece(out, piece(start, f(va, vb)));
  }
  return out;
}

/** Index of the piece covering `from` (the first piece when all start after it). */
function firstIndexAt(pieces: readonly Piece[], from: number): number {
  let index = 0;
  while (index + 1 < pieces.length && (pieces[index + 1] as Piece).start <= from) index += 1;
  return index;
}

/** Time (ms) `pieces` has been true, from `accumulated` at `from`. */
export function integrateTruth(pieces: readonly Piece[], accumulated: number, from: number): Piece[] {
  const out: Piece[] = [];
  let total = accumulated;
  for (let index = firstIndexAt(pieces, from); index < pieces.length; index += 1) {
    const p = pieces[index] as Piece;
    const start = p.start < from ? from : p.start;
    const slope = p.value === true ? 1 : 0;
    appendPiece(out, piece(start, total, slope));
    const next = pieces[index + 1];
    if (next !== undefined) total += slope * (next.start - start);
  }
  return out;
}

/**
 * Time (ms) since `pieces` last changed, from `from` on: `elapsed` at
 * `from` (null: it changed there), 0 at every later boundary (a normal list
 * has a change at each), unknown while the value is unknown.
 */
export function timeInState(pieces: readonly Piece[], elapsed: number | null, from: number): Piece[] {
  const out: Piece[] = [];
  const first = firstIndexAt(pieces, from);
  for (let index = first; index < pieces.length; index += 1) {
    const p = pieces[index] as Piece;
    const start = p.start < from ? from : p.start;
    if (p.value === null) appendPiece(out, piece(start, null));
    else appendPiece(out, piece(start, index === first && elapsed !== null ? elapsed : 0, 1));
  }
  return out;
}
