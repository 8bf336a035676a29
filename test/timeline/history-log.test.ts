import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../src/core/seeded-random.js';
import { HistoryLog, type HistoryChain } from '../../src/timeline/history-log.js';
import { appendPiece, piece, valueAt, type Piece, type PieceValue } from '../../src/timeline/timeline-piece.js';

/** One key's chain in the log, checked against a plain piece list kept by appendPiece. */
class Chain implements HistoryChain {
  head = -1;
  readonly expected: Piece[] = [];

  constructor(readonly log: HistoryLog) {
    log.join(this);
  }

  put(start: number, value: PieceValue, slope: number): void {
    this.log.reserve(1);
    this.head = this.log.put(this.head, start, value, slope);
    appendPiece(this.expected, piece(start, value, slope));
  }

  truncateFrom(t: number): void {
    this.head = this.log.truncateFrom(this.head, t);
    while (this.expected.length > 0 && (this.expected[this.expected.length - 1] as Piece).start >= t) this.expected.pop();
  }

  relocateHistory(from: HistoryLog, into: HistoryLog): void {
    this.head = into.copyChain(from, this.head);
  }
}

const VALUES: readonly PieceValue[] = [null, true, false, 'play', 'buffer', 0, 2.5];

describe('HistoryLog', () => {
  it('keeps each chain as appendPiece keeps a piece list, through growth and compaction', () => {
    const random = seededRandom(5);
    // Small, so it grows and (after the truncations) compacts many times.
    const log = new HistoryLog(8);
    const chains = [new Chain(log), new Chain(log), new Chain(log)];
    const clocks = [0, 0, 0];
    for (let step = 0; step < 20_000; step += 1) {
      const which = Math.floor(random() * chains.length);
      const chain = chains[which] as Chain;
      if (random() < 0.2) {
        // A late event: the history from some recent instant is recomputed.
        chain.truncateFrom((clocks[which] as number) - Math.floor(random() * 400));
        continue;
      }
      // Sometimes the same instant again (the piece replaces the last one).
      clocks[which] = (clocks[which] as number) + (random() < 0.2 ? 0 : 1 + Math.floor(random() * 10));
      const growing = random() < 0.3;
      chain.put(clocks[which] as number, growing ? Math.floor(random() * 100) : (VALUES[Math.floor(random() * VALUES.length)] as PieceValue), growing ? 1 : 0);
    }
    for (const chain of chains) {
      assert.deepEqual(log.pieces(chain.head), chain.expected);
      for (let probe = -5; probe < 100_000; probe += 37) assert.equal(log.valueAt(chain.head, probe), valueAt(chain.expected, probe), `at ${probe}`);
    }
  });

  it('writes a saved history as a chain of its own', () => {
    const log = new HistoryLog(2);
    const pieces = [piece(0, false), piece(10, 0, 1), piece(25, 15), piece(30, 'x')];
    const head = log.write(pieces);
    assert.deepEqual(log.pieces(head), pieces);
    assert.equal(log.count(head), 4);
    assert.equal(log.valueAt(head, 20), 10);
    assert.equal(log.valueAt(head, -1), null);
  });
});
