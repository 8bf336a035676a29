import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventRate } from '../../web/src/event-rate.js';

const SECOND = 1_000;
const NOW = 1_700_000_000 * SECOND;

describe('EventRate #series', () => {
  it('gives one count per completed second of the window, oldest first', () => {
    const rate = new EventRate(4);
    rate.record(2, NOW - 2 * SECOND);
    rate.record(1, NOW - 2 * SECOND + 500);
    rate.record(5, NOW - SECOND);
    rate.record(9, NOW);
    const [seconds, counts] = rate.series(NOW + 100);
    assert.deepEqual(seconds, [NOW / SECOND - 3, NOW / SECOND - 2, NOW / SECOND - 1]);
    assert.deepEqual(counts, [0, 3, 5]);
  });

  it('reads seconds that fell out of the window as 0, not as their old count', () => {
    const rate = new EventRate(3);
    rate.record(7, NOW);
    assert.deepEqual(rate.series(NOW + 3 * SECOND)[1], [0, 0]);
  });
});
