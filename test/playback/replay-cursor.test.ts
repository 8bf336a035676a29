import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../src/core/event.js';
import { ReplayCursor } from '../../src/playback/replay-cursor.js';

const at = (ts: number, seq = ts): StoredEvent => ({ channel: 'c', seq, ts, id: null, data: null });

describe('ReplayCursor', () => {
  it('holds what a rebuild misses, then applies only events after its playhead, once each', () => {
    const cursor = new ReplayCursor();
    const ticket = cursor.beginRebuild(100);
    assert.equal(cursor.hold(at(90)), true);
    assert.equal(cursor.hold(at(110)), true);
    assert.equal(cursor.holdPosition(120), true);
    assert.deepEqual(cursor.endRebuild(100), { events: [at(90), at(110)], positionMs: 120 });
    assert.equal(cursor.current(ticket), true);
    assert.deepEqual([cursor.advance(at(90)), cursor.advance(at(110)), cursor.advance(at(110)), cursor.advance(at(105))], [false, true, false, false], 'in the rebuild, new, repeated, handed back in reverse');
    assert.equal(cursor.appliedMs, 110);
    assert.equal(cursor.hold(at(130)), false, 'no rebuild runs: nothing is held');
  });

  it('makes an older rebuild stale when a newer one starts or the reader closes', () => {
    const cursor = new ReplayCursor();
    const first = cursor.beginRebuild(100);
    const second = cursor.beginRebuild(50);
    assert.deepEqual([cursor.current(first), cursor.current(second)], [false, true]);
    cursor.cancel();
    assert.equal(cursor.current(second), false);
  });
});
