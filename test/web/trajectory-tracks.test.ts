import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WireEvent } from '../../client/index.js';
import { TrajectoryTracks } from '../../web/src/trajectory-tracks.js';

const FRAME_MS = 400;

/** p1 walks along x at 1 m per frame: at time t it is at x = t / FRAME_MS. */
function frame(ts: number, object = 'p1'): WireEvent {
  return { channel: 'trajectories.test', seq: ts / FRAME_MS + 1, ts, time: new Date(ts).toISOString(), id: null, data: { object, x: ts / FRAME_MS, y: 0 } };
}

function xAt(tracks: TrajectoryTracks, ts: number): number | undefined {
  return tracks.positionsAt(ts).find((p) => p.object === 'p1')?.x;
}

describe('TrajectoryTracks #positionsAt', () => {
  it('moves an object between frames at the playhead time, and coasts on past the latest one', () => {
    const tracks = new TrajectoryTracks();
    tracks.add(frame(0));
    assert.equal(xAt(tracks, 100), 0);
    tracks.add(frame(400));
    assert.equal(xAt(tracks, 400), 1);
    assert.equal(xAt(tracks, 600), 1.5);
    assert.equal(xAt(tracks, 2_000), 2, 'coasts at most one frame');
  });

  it('plays backwards with the same rule, continuously through the turn-around', () => {
    const tracks = new TrajectoryTracks();
    for (let ts = 0; ts <= 4_000; ts += FRAME_MS) tracks.add(frame(ts));
    assert.equal(xAt(tracks, 4_100), 10.25);
    // Reversed at 4100: the frame at 4000 comes again, then 3600, 3200 ...
    tracks.add(frame(4_000));
    assert.equal(xAt(tracks, 4_000), 10);
    assert.equal(xAt(tracks, 3_800), 9.5);
    tracks.add(frame(3_600));
    assert.equal(xAt(tracks, 3_600), 9);
    assert.equal(xAt(tracks, 3_400), 8.5);
  });

  it('does not join samples across a seek', () => {
    const tracks = new TrajectoryTracks();
    tracks.add(frame(0));
    tracks.add(frame(400));
    tracks.add(frame(60_000));
    assert.equal(xAt(tracks, 60_200), 150);
    assert.deepEqual(tracks.positionsAt(60_200)[0]?.trail.map((s) => s.ts), [60_000]);
  });

  it('fades an object that stops updating, then forgets it', () => {
    const tracks = new TrajectoryTracks({ fadeAfterMs: 1_000, goneAfterMs: 3_000 });
    tracks.add(frame(0));
    assert.equal(tracks.positionsAt(500)[0]?.opacity, 1);
    assert.equal(tracks.positionsAt(2_000)[0]?.opacity, 0.5);
    assert.deepEqual(tracks.positionsAt(3_000), []);
    assert.equal(tracks.size, 0);
  });

  it('ignores events without a position', () => {
    const tracks = new TrajectoryTracks();
    assert.equal(tracks.add({ ...frame(0), data: { title: 'Q1' } }), undefined);
    assert.equal(tracks.add({ ...frame(0), data: null }), undefined);
    assert.equal(tracks.size, 0);
  });

  it('reads scene transforms seen from above, and leaves out objects scaled to 0 (hidden)', () => {
    const tracks = new TrajectoryTracks();
    const transform = (ts: number, scale: number[]) => ({ ...frame(ts), channel: 'scene.lab', data: { object: 'p1', index: 1, seq: ts, location: [ts / FRAME_MS, 2, 0], rotation: [0, 0, 0, 1], scale } });
    assert.deepEqual(tracks.add(transform(0, [1, 1, 1])), { ts: 0, x: 0, y: 2 });
    assert.equal(tracks.add(transform(FRAME_MS, [0, 0, 0])), undefined);
    assert.equal(xAt(tracks, 0), 0);
  });
});
