/**
 * The finalised result history of many keys, in one log shared by an
 * evaluator's keys: each piece is four doubles of one Float64Array (start,
 * slope, value, a link to the same key's previous piece and the value's
 * kind), appended in arrival order, each key chaining its own pieces newest
 * first. Keys interleave, so arrays of each key's own (and a heap box per
 * numeric value) meant three cold objects per event and a growth promoted
 * by the collector; here an append writes where the previous one did, and
 * the key's latest piece, the only one an event reads, is one cache line.
 * A key that replaces its latest piece (an event at the same instant, a late
 * event) leaves the old one behind; when the log is full and at most half of
 * it is still live, every chain is copied into a fresh log (compaction).
 */
import { piece, type Piece, type PieceValue } from './timeline-piece.js';

const INITIAL_PIECES = 1 << 12;
/** Doubles per piece: start, slope, value, link. */
const STRIDE = 4;
/** link = (previous piece + 1) * KINDS + kind of the value. */
const KINDS = 8;
const KIND_NUMBER = 0;
const KIND_NULL = 1;
const KIND_FALSE = 2;
const KIND_TRUE = 3;
/** A string: the value double is its index in `strings`. */
const KIND_STRING = 4;

/** A key with pieces in the log: it moves its chains when the log compacts. */
export interface HistoryChain {
  /** Copies its live pieces from `from` into the log `into` (see `HistoryLog.copyChain`). */
  relocateHistory(from: HistoryLog, into: HistoryLog): void;
}

export class HistoryLog {
  /** Replaced when the log grows or compacts (only inside `put` and `replace`): read it through the log, never keep it. */
  nums: Float64Array;
  strings: string[] = [];
  length = 0;
  /** Pieces some key's chain still holds. */
  #live = 0;
  readonly #chains = new Set<HistoryChain>();

  constructor(initialPieces = INITIAL_PIECES) {
    this.nums = new Float64Array(STRIDE * initialPieces);
  }

  join(chain: HistoryChain): void {
    this.#chains.add(chain);
  }

  /** The chain's pieces are no longer read (its key was replaced). */
  leave(chain: HistoryChain, heads: readonly number[]): void {
    this.#chains.delete(chain);
    for (const head of heads) this.#live -= this.count(head);
  }

  start(at: number): number {
    return this.nums[STRIDE * at] as number;
  }

  previous(at: number): number {
    return Math.floor((this.nums[STRIDE * at + 3] as number) / KINDS) - 1;
  }

  /** The value of piece `at` at `t` (t at or after its start). */
  valueOf(at: number, t: number): PieceValue {
    const nums = this.nums;
    const base = STRIDE * at;
    const link = nums[base + 3] as number;
    const kind = link - KINDS * Math.floor(link / KINDS);
    if (kind !== KIND_NUMBER) return kind === KIND_NULL ? null : kind === KIND_FALSE ? false : kind === KIND_TRUE ? true : (this.strings[nums[base + 2] as number] as string);
    const slope = nums[base + 1] as number;
    const value = nums[base + 2] as number;
    return slope === 0 ? value : value + slope * (t - (nums[base] as number));
  }

  /** Reads the chain's newest piece (TimelineEvaluator.pushAll); the value means nothing. */
  touch(head: number): number {
    return head < 0 ? 0 : (this.nums[STRIDE * head] as number);
  }

  /** Pieces in the chain from `head`. */
  count(head: number): number {
    let count = 0;
    for (let at = head; at >= 0; at = this.previous(at)) count += 1;
    return count;
  }

  /** Makes room for `pieces` appends, moving every chain when the log compacts: heads read after it stay valid through those appends. */
  reserve(pieces: number): void {
    if (STRIDE * (this.length + pieces) <= this.nums.length) return;
    if (2 * this.#live <= this.length) {
      const from = this.#detach();
      for (const chain of this.#chains) chain.relocateHistory(from, this);
    }
    if (STRIDE * (this.length + pieces) <= this.nums.length) return;
    let size = this.nums.length;
    while (STRIDE * (this.length + pieces) > size) size *= 2;
    const grown = new Float64Array(size);
    grown.set(this.nums.subarray(0, STRIDE * this.length));
    this.nums = grown;
  }

  /**
   * Appends to the chain whose newest piece is `head` with appendPiece's
   * rule (a piece at the same start replaces, a continuing one is dropped);
   * returns the chain's new head. Call `reserve` first.
   */
  put(head: number, start: number, value: PieceValue, slope: number): number {
    const next = this.next;
    next[0] = start;
    next[1] = slope;
    if (typeof value !== 'number') return this.putNext(head, value);
    next[2] = value;
    return this.putNext(head, undefined);
  }

  /** The piece `putNext` appends, written by the caller: start, slope and the value when it is a number. */
  readonly next = new Float64Array(3);

  /**
   * `put` of the piece in `next` whose value is `value`, or the number in
   * `next` when undefined: the hot path (one call per result and event)
   * passes no double as an argument, as a call that is not inlined would box
   * each one.
   */
  putNext(head: number, value: PieceValue | undefined): number {
    const nums = this.nums;
    const next = this.next;
    const start = next[0] as number;
    const slope = next[1] as number;
    const number = next[2] as number;
    let at = head;
    while (at >= 0 && (nums[STRIDE * at] as number) >= start) {
      at = Math.floor((nums[STRIDE * at + 3] as number) / KINDS) - 1;
      this.#live -= 1;
    }
    if (at >= 0 && (nums[STRIDE * at + 1] as number) === slope) {
      const base = STRIDE * at;
      const link = nums[base + 3] as number;
      const isNumber = link - KINDS * Math.floor(link / KINDS) === KIND_NUMBER;
      if (value === undefined) {
        const last = nums[base + 2] as number;
        if (isNumber && (slope === 0 ? last : last + slope * (start - (nums[base] as number))) === number) return at;
      } else if (!isNumber && this.valueOf(at, start) === value) return at;
    }
    const to = this.length;
    const base = STRIDE * to;
    let kind = KIND_NUMBER;
    if (value === undefined) nums[base + 2] = number;
    else if (value === null) kind = KIND_NULL;
    else if (typeof value === 'boolean') kind = value ? KIND_TRUE : KIND_FALSE;
    else if (typeof value === 'number') nums[base + 2] = value;
    else {
      kind = KIND_STRING;
      nums[base + 2] = this.strings.push(value) - 1;
    }
    nums[base] = start;
    nums[base + 1] = slope;
    nums[base + 3] = (at + 1) * KINDS + kind;
    this.length = to + 1;
    this.#live += 1;
    return to;
  }

  /** Drops the chain's pieces starting at or after `t`; returns its new head. */
  truncateFrom(head: number, t: number): number {
    let at = head;
    while (at >= 0 && this.start(at) >= t) {
      at = this.previous(at);
      this.#live -= 1;
    }
    return at;
  }

  /** The value at `t` of the chain from `head`; null before its first piece (walks back: reads are mostly recent). */
  valueAt(head: number, t: number): PieceValue {
    let at = head;
    while (at >= 0 && this.start(at) > t) at = this.previous(at);
    return at < 0 ? null : this.valueOf(at, t);
  }

  /** The chain from `head`, oldest first. */
  pieces(head: number): Piece[] {
    const out: Piece[] = [];
    for (let at = head; at >= 0; at = this.previous(at)) {
      const slope = this.nums[STRIDE * at + 1] as number;
      out.push(piece(this.start(at), this.valueOf(at, this.start(at)), slope));
    }
    return out.reverse();
  }

  /** Writes `pieces` (oldest first, normal) as a new chain; returns its head. */
  write(pieces: readonly Piece[]): number {
    this.reserve(pieces.length);
    let at = -1;
    for (const p of pieces) at = this.put(at, p.start, p.value, p.slope);
    return at;
  }

  /** Copies the chain from `head` in `from` to the end of this log (compaction); returns its head here. */
  copyChain(from: HistoryLog, head: number): number {
    const order: number[] = [];
    for (let at = head; at >= 0; at = from.previous(at)) order.push(at);
    let at = -1;
    for (let index = order.length - 1; index >= 0; index -= 1) {
      const old = order[index] as number;
      at = this.put(at, from.start(old), from.valueOf(old, from.start(old)), from.nums[STRIDE * old + 1] as number);
    }
    return at;
  }

  /** Moves this log's pieces into a detached log (the source of a compaction) and empties this one, at the same size. */
  #detach(): HistoryLog {
    const from = new HistoryLog(0);
    from.nums = this.nums;
    from.strings = this.strings;
    from.length = this.length;
    this.nums = new Float64Array(this.nums.length);
    this.strings = [];
    this.length = 0;
    this.#live = 0;
    return from;
  }
}
