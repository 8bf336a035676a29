import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bandsOf } from '../../web/src/timeline-bands.js';

describe('bandsOf', () => {
  const range = { start: 0, end: 10_000 };

  it('places intervals across the range, open-ended ones to its end, unknown ones not at all', () => {
    const bands = bandsOf([
      { start: 0, end: 2_000, value: null },
      { start: 2_000, end: 5_000, value: 'play' },
      { start: 5_000, end: null, value: 'buffer' },
    ], range);
    assert.deepEqual(bands.map(({ from, to, label }) => [from, to, label]), [[0.2, 0.5, 'play'], [0.5, 1, 'buffer']]);
    assert.notEqual(bands[0]?.color, bands[1]?.color, 'each state has its colour');
  });

  it('labels a growing duration with the value it reaches at the band\'s end, and lights booleans where true', () => {
    const [growing, steady] = bandsOf([{ start: 7_000, end: 10_000, value: 0, rate: 1 }, { start: 10_000, end: null, value: 3 }], { start: 0, end: 20_000 });
    assert.deepEqual([growing?.label, steady?.label], ['3s', '3s']);
    assert.notEqual(growing?.color, steady?.color);
    const [on, off] = bandsOf([{ start: 0, end: 5_000, value: true }, { start: 5_000, end: 10_000, value: false }], range);
    assert.notEqual(on?.color, off?.color);
    assert.deepEqual(bandsOf([{ start: 0, end: 1, value: true }], { start: 5, end: 5 }), [], 'an empty range draws nothing');
  });
});
