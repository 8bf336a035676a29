import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WireEvent } from '../../client/index.js';
import { RecentEvents } from '../../web/src/recent-events.js';

const event = (seq: number): WireEvent => ({ channel: 'c', seq, ts: seq, time: new Date(seq).toISOString(), id: null, data: null });

describe('RecentEvents', () => {
  it('keeps the newest events up to its capacity, newest first, and counts every delivery', () => {
    const recent = new RecentEvents(3);
    for (let seq = 1; seq <= 5; seq++) recent.push(event(seq));
    assert.equal(recent.length, 3);
    assert.equal(recent.delivered, 5);
    assert.deepEqual([0, 1, 2, 3].map((i) => recent.at(i)?.seq), [5, 4, 3, undefined]);
  });

  it('forgets everything on clear', () => {
    const recent = new RecentEvents(2);
    recent.push(event(1));
    recent.clear();
    assert.equal(recent.length, 0);
    assert.equal(recent.delivered, 0);
    assert.equal(recent.at(0), undefined);
  });

  it('rejects a capacity that is not a positive integer', () => {
    assert.throws(() => new RecentEvents(0), { name: 'RangeError', message: 'capacity must be an integer >= 1, got 0' });
  });
});
