/** The per-granule counts an append adds to the histogram rollups. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ROLLUP_LEVELS_MS, rollupIncrements } from '../../src/store/histogram-rollup.js';

/** One count per event, as plainly as it can be said. */
function countEachEvent(times: readonly number[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const levelMs of ROLLUP_LEVELS_MS) {
    for (const ts of times) {
      const key = `${levelMs}/${ts - (((ts % levelMs) + levelMs) % levelMs)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

describe('rollupIncrements', () => {
  it('counts every event once per level, in order or not, one increment per granule', () => {
    const time = fc.integer({ min: -200_000_000, max: 200_000_000 });
    const inOrder = fc.array(time, { maxLength: 200 }).map((times) => times.sort((a, b) => a - b));
    fc.assert(fc.property(fc.oneof(inOrder, fc.array(time, { maxLength: 200 })), (times) => {
      const increments = rollupIncrements(times.map((ts) => ({ ts, id: null, data: null, dataJson: 'null' })));
      const got = new Map(increments.map(({ levelMs, granuleStart, count }) => [`${levelMs}/${granuleStart}`, count]));
      assert.equal(got.size, increments.length, 'a granule appears once');
      assert.deepEqual(got, countEachEvent(times));
    }), { numRuns: 300 });
  });
});
