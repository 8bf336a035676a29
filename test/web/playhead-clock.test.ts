import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StateMessage } from '../../client/index.js';
import { PlayheadClock } from '../../web/src/playhead-clock.js';

const T0 = Date.UTC(2018, 2, 7, 16, 16, 17);

function state(fields: Partial<StateMessage>): StateMessage {
  return { type: 'state', status: 'playing', position: T0, time: new Date(T0).toISOString(), speed: 1, loop: false, start: T0, end: T0 + 60_000, iteration: 0, ...fields };
}

describe('PlayheadClock #positionAt', () => {
  it('has no position before the first state', () => {
    assert.equal(new PlayheadClock().positionAt(0), undefined);
  });

  it('moves at the state speed from the receive time, clamped to the window', () => {
    const clock = new PlayheadClock();
    clock.update(state({ speed: 10 }), 1_000);
    assert.equal(clock.positionAt(1_500), T0 + 5_000);
    assert.equal(clock.positionAt(100_000), T0 + 60_000);
  });

  it('moves backwards at a negative speed, stopping at the window start', () => {
    const clock = new PlayheadClock();
    clock.update(state({ position: T0 + 30_000, speed: -4 }), 0);
    assert.equal(clock.positionAt(1_000), T0 + 26_000);
    assert.equal(clock.positionAt(60_000), T0);
  });

  it('holds the position while paused or ended', () => {
    const clock = new PlayheadClock();
    for (const status of ['paused', 'ended', 'stopped'] as const) {
      clock.update(state({ status, position: T0 + 7_000, speed: 10 }), 0);
      assert.equal(clock.positionAt(5_000), T0 + 7_000, status);
      assert.equal(clock.moving, false);
    }
  });

  it('follows the wall clock when live, whatever the last speed', () => {
    const clock = new PlayheadClock();
    clock.update(state({ status: 'live', speed: 100, start: null, end: null }), 0);
    assert.equal(clock.positionAt(2_000), T0 + 2_000);
    // After `live` on a replay the state may still carry the old window: live is not clamped to it.
    clock.update(state({ status: 'live', position: T0 + 120_000 }), 0);
    assert.equal(clock.positionAt(1_000), T0 + 121_000);
  });
});
