/**
 * The piecewise model every timeline is made of: a piece holds from its
 * `start` until the next piece's start (half-open `[t1, t2)`, the last one
 * open-ended). A numeric piece may grow linearly (`slope` per ms), so its
 * value at any instant is exact. `null` is the unknown value.
 */

export type Scalar = string | number | boolean;
export type PieceValue = Scalar | null;

export interface Piece {
  /** Event time (epoch ms) the piece starts at. */
  readonly start: number;
  /** The value at `start`. */
  readonly value: PieceValue;
  /** Growth per ms; 0 except for growing numeric pieces. */
  readonly slope: number;
}

export function piece(start: number, value: PieceValue, slope = 0): Piece {
  return { start, value, slope };
}

/** The value of `p` at `t` (t at or after its start). */
export function extrapolate(p: Piece, t: number): PieceValue {
  return p.slope === 0 ? p.value : (p.value as number) + p.slope * (t - p.start);
}

/** Index of the last piece starting at or before `t`, or -1 (binary search: histories are long). */
export function pieceIndexAt(pieces: readonly Piece[], t: number): number {
  let low = 0;
  let high = pieces.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((pieces[middle] as Piece).start <= t) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** The value at `t`; null before the first piece. */
export function valueAt(pieces: readonly Piece[], t: number): PieceValue {
  // Tails are a few pieces long: scan from the end before searching.
  for (let index = pieces.length - 1; index >= 0 && index >= pieces.length - 4; index -= 1) {
    const p = pieces[index] as Piece;
    if (p.start <= t) return extrapolate(p, t);
  }
  const index = pieceIndexAt(pieces, t);
  return index < 0 ? null : extrapolate(pieces[index] as Piece, t);
}

/** True when a piece starting at `b.start` continues `a` without a change of value or slope. */
export function continues(a: Piece, b: Piece): boolean {
  return a.slope === b.slope && extrapolate(a, b.start) === b.value;
}

/** Same value and slope at the same instant. */
export function sameState(a: Piece, b: Piece): boolean {
  return a.value === b.value && a.slope === b.slope;
}

/**
 * Appends keeping the list normal: a piece at the same start replaces the
 * last one, and a piece that only continues the last one is dropped, so
 * every boundary left is a real change.
 */
export function appendPiece(target: Piece[], next: Piece): void {
  while (target.length > 0 && (target[target.length - 1] as Piece).start >= next.start) target.pop();
  const last = target[target.length - 1];
  if (last !== undefined && continues(last, next)) return;
  target.push(next);
}

/** Every piece of `pieces` starting at or after `from`, with the one covering `from` cut to start there. */
export function piecesFrom(pieces: readonly Piece[], from: number): Piece[] {
  const index = pieceIndexAt(pieces, from);
  const out: Piece[] = [];
  if (index < 0) {
    for (const p of pieces) out.push(p);
    return out;
  }
  const first = pieces[index] as Piece;
  out.push(first.start === from ? first : piece(from, extrapolate(first, from), first.slope));
  for (let i = index + 1; i < pieces.length; i += 1) out.push(pieces[i] as Piece);
  return out;
}
