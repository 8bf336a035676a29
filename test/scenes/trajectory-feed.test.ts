import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { positionAt, TrajectoryFeed } from '../../src/scenes/trajectory-feed.js';
import { RecordingTransport, startRegistry } from './scene-harness.js';

const rows = [
  { track: 'p1', offsetMs: 0, x: 0, y: 0 },
  { track: 'p1', offsetMs: 400, x: 4, y: 8 },
  { track: 'p2', offsetMs: 400, x: 10, y: 10 },
  { track: 'p2', offsetMs: 800, x: 10, y: 14 },
];

describe('positionAt', () => {
  it('interpolates between the samples around a time, and is off stage outside them or across a gap', () => {
    const track = { offsets: [0, 400, 2_000], xs: [0, 4, 0], ys: [0, 8, 0] };
    assert.deepEqual(positionAt(track, 100, 1_000), { x: 1, y: 2, index: 0 });
    assert.deepEqual(positionAt(track, 400, 1_000), { x: 4, y: 8, index: 1 });
    assert.equal(positionAt(track, 401, 1_000), undefined, 'samples 1.6 s apart are not joined');
    assert.equal(positionAt(track, -1, 1_000), undefined);
  });
});

describe('TrajectoryFeed', () => {
  it('moves each track at 40 Hz on the line between its frames, shows it while on stage and hides it after', async (t) => {
    const { registry, clock } = await startRegistry(t);
    await registry.createScene('walk');
    const feed = new TrajectoryFeed({ registry, clock, scene: 'walk', rows });
    for (const name of feed.objects) await registry.createObject('walk', { name, scale: [0, 0, 0] });
    const viewer = new RecordingTransport('127.0.0.1:1');
    registry.registerDevice('walk', viewer);
    clock.advance(0);
    viewer.payloads.length = 0;
    feed.start();
    clock.advance(200);
    const p1 = registry.scene('walk').object('p1').state();
    assert.deepEqual([p1.location, p1.scale], [[2, 4, 0], [1, 1, 1]]);
    assert.deepEqual(registry.scene('walk').object('p2').state().scale, [0, 0, 0], 'p2 is not on stage before 400 ms');
    const p1Updates = viewer.jsonMessages().filter((m) => m.object === 'p1');
    assert.equal(p1Updates.length, 9, 'ticks at 0, 25, ... 200 ms');
    clock.advance(400);
    assert.deepEqual(registry.scene('walk').object('p1').state().scale, [0, 0, 0], 'p1 left at 400 ms');
    assert.deepEqual(registry.scene('walk').object('p2').state().location, [10, 12, 0]);
    clock.advance(1_000);
    assert.equal(feed.running, false);
    assert.deepEqual(registry.scene('walk').object('p2').state().scale, [0, 0, 0]);
  });
});
