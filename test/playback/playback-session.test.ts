import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHarness, NOW, T0 } from './playback-harness.js';

const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

describe('PlaybackSession #play', () => {
  it('delivers each event at W0 + (t - start) / speed, exactly, and ends at the wall time of end', async (t) => {
    const h = await createHarness(t, [0, 100, 100, 250, 1_000, 1_999, 2_000, 5_000]);
    const w0 = h.clock.monotonic();
    h.send({ action: 'play', start: iso(0), end: iso(2_000), speed: 1 });
    await h.run(2_500);
    assert.deepEqual(h.sink.deliveries.map((d) => [d.ts - T0, d.wallMs - w0]), [[0, 0], [100, 100], [100, 100], [250, 250], [1_000, 1_000], [1_999, 1_999]]);
    const ended = h.sink.lastState();
    assert.equal(ended.status, 'ended');
    assert.equal(ended.wallMs - w0, 2_000, 'ended at the end of the window, not after the last event');
    assert.equal(ended.positionMs, T0 + 2_000);
  });

  it('accepts the documented message exactly as written, with "False" for loop', async (t) => {
    const h = await createHarness(t, [0, 30_000, 59_999]);
    h.send({ action: 'play', start: '2016-01-15T14:32:24Z', end: '2016-01-15T14:33:24Z', speed: 1, loop: 'False' });
    assert.deepEqual(h.sink.lastState(), { status: 'playing', positionMs: T0, speed: 1, loop: false, start: T0, end: T0 + 60_000, iteration: 0, wallMs: h.clock.monotonic() });
    await h.run(60_000, 500);
    assert.equal(h.sink.deliveries.length, 3);
    assert.equal(h.sink.lastState().status, 'ended');
  });

  it('plays faster and slower: speed 10 and 0.5', async (t) => {
    for (const speed of [10, 0.5]) {
      const h = await createHarness(t, [0, 1_000, 3_000]);
      const w0 = h.clock.monotonic();
      h.send({ action: 'play', start: iso(0), end: iso(4_000), speed });
      await h.run(4_000 / speed + 10, 5);
      assert.deepEqual(h.sink.deliveries.map((d) => d.wallMs - w0), [0, 1_000 / speed, 3_000 / speed], `speed ${speed}`);
    }
  });

  it('chooses the speed from fit so the window plays in that wall time', async (t) => {
    const h = await createHarness(t, [0, 43_200_000]);
    const w0 = h.clock.monotonic();
    h.send({ action: 'play', start: iso(0), end: iso(86_400_000), fit: '1m' });
    assert.equal(h.sink.lastState().speed, 1_440);
    await h.run(60_001, 100);
    assert.deepEqual(h.sink.deliveries.map((d) => d.wallMs - w0), [0, 30_000]);
    assert.equal(h.sink.lastState().wallMs - w0, 60_000);
  });

  it('never delivers an event before its due time while reading many pages', async (t) => {
    const offsets = Array.from({ length: 200 }, (_, i) => i * 7);
    const h = await createHarness(t, offsets);
    const w0 = h.clock.monotonic();
    h.send({ action: 'play', start: iso(0), end: iso(1_400), speed: 1 });
    await h.run(1_500, 1);
    assert.equal(h.sink.deliveries.length, 200);
    for (const delivery of h.sink.deliveries) assert.equal(delivery.wallMs - w0, delivery.ts - T0);
  });

  it('sends a state message at least once a second while playing', async (t) => {
    const h = await createHarness(t, [0, 10_000]);
    h.send({ action: 'play', start: iso(0), end: iso(10_000) });
    await h.run(5_000, 50);
    const walls = h.sink.states.map((s) => s.wallMs);
    for (let i = 1; i < walls.length; i += 1) assert.ok((walls[i] as number) - (walls[i - 1] as number) <= 1_000);
    assert.ok(walls.length >= 6);
    assert.ok(h.sink.states.every((s, i) => i === 0 || s.positionMs >= (h.sink.states[i - 1]?.positionMs ?? 0)), 'the playhead only moves forward');
  });
});

describe('PlaybackSession loop', () => {
  it('restarts from start at the end with iteration + 1, keeping the rhythm, with no event lost or repeated', async (t) => {
    const h = await createHarness(t, [100, 500, 900]);
    const w0 = h.clock.monotonic();
    h.send({ action: 'play', start: iso(0), end: iso(1_000), loop: true });
    await h.run(3_050, 10);
    assert.deepEqual(h.sink.deliveries.map((d) => [d.ts - T0, d.wallMs - w0]), [
      [100, 100], [500, 500], [900, 900], [100, 1_100], [500, 1_500], [900, 1_900], [100, 2_100], [500, 2_500], [900, 2_900],
    ]);
    const restarts = h.sink.states.filter((s) => s.positionMs === T0 && s.iteration > 0);
    assert.deepEqual(restarts.map((s) => [s.iteration, s.wallMs - w0]), [[1, 1_000], [2, 2_000], [3, 3_000]]);
  });

  it('toggles with the loop action', async (t) => {
    const h = await createHarness(t, [100]);
    h.send({ action: 'play', start: iso(0), end: iso(1_000) });
    h.send({ action: 'loop' });
    assert.equal(h.sink.lastState().loop, true);
    h.send({ action: 'loop', loop: 'FALSE' });
    assert.equal(h.sink.lastState().loop, false);
  });
});

describe('PlaybackSession #pause and #resume', () => {
  it('delivers nothing while paused and shifts the schedule by the pause', async (t) => {
    const h = await createHarness(t, [0, 1_000, 2_000]);
    const w0 = h.clock.monotonic();
    h.send({ action: 'play', start: iso(0), end: iso(3_000) });
    await h.run(500, 10);
    h.send({ action: 'pause' });
    assert.deepEqual([h.sink.lastState().status, h.sink.lastState().positionMs], ['paused', T0 + 500]);
    await h.run(10_000, 100);
    assert.equal(h.sink.deliveries.length, 1);
    h.send({ action: 'resume' });
    await h.run(3_000, 10);
    assert.deepEqual(h.sink.deliveries.map((d) => d.wallMs - w0), [0, 11_000, 12_000]);
  });

  it('replays the window when resumed after it ended', async (t) => {
    const h = await createHarness(t, [100]);
    h.send({ action: 'play', start: iso(0), end: iso(200) });
    await h.run(300, 10);
    h.send({ action: 'resume' });
    await h.run(300, 10);
    assert.equal(h.sink.deliveries.length, 2);
  });

  it('refuses resume and seek when nothing is playing, keeping the state', async (t) => {
    const h = await createHarness(t, [100]);
    assert.throws(() => h.send({ action: 'resume' }), { code: 'invalid_state', message: 'nothing to resume: send play first' });
    assert.throws(() => h.send({ action: 'seek', to: iso(0) }), { code: 'invalid_state' });
    assert.equal(h.session.status, 'stopped');
  });
});

describe('PlaybackSession #seek', () => {
  it('jumps to a time and plays on from there', async (t) => {
    const h = await createHarness(t, [0, 1_000, 2_000, 3_000]);
    h.send({ action: 'play', start: iso(0), end: iso(4_000) });
    await h.run(100, 10);
    const w1 = h.clock.monotonic();
    h.send({ action: 'seek', to: iso(2_000) });
    await h.run(2_000, 10);
    assert.deepEqual(h.sink.deliveries.map((d) => [d.ts - T0, d.wallMs - w1]), [[0, -100], [2_000, 0], [3_000, 1_000]]);
  });

  it('moves by a signed duration and clamps to the window', async (t) => {
    const h = await createHarness(t, [0, 1_000, 2_000]);
    h.send({ action: 'play', start: iso(0), end: iso(3_000) });
    await h.run(1_500, 10);
    h.send({ action: 'seek', by: '-1s' });
    assert.equal(h.sink.lastState().positionMs, T0 + 500);
    h.send({ action: 'seek', by: '-30s' });
    assert.equal(h.sink.lastState().positionMs, T0);
    h.send({ action: 'pause' });
    h.send({ action: 'seek', to: iso(99_000) });
    assert.deepEqual([h.sink.lastState().status, h.sink.lastState().positionMs], ['paused', T0 + 3_000]);
  });
});

describe('PlaybackSession reverse', () => {
  it('plays backwards from end toward start with a negative speed', async (t) => {
    const h = await createHarness(t, [0, 1_000, 1_000, 2_500]);
    const w0 = h.clock.monotonic();
    h.send({ action: 'play', start: iso(0), end: iso(3_000), speed: -2 });
    await h.run(1_600, 10);
    assert.deepEqual(h.sink.deliveries.map((d) => [d.ts - T0, d.seq, d.wallMs - w0]), [[2_500, 4, 250], [1_000, 3, 1_000], [1_000, 2, 1_000], [0, 1, 1_500]]);
    assert.deepEqual([h.sink.lastState().status, h.sink.lastState().positionMs, h.sink.lastState().wallMs - w0], ['ended', T0, 1_500]);
  });

  it('turns around mid-play when the speed changes sign', async (t) => {
    const h = await createHarness(t, [0, 1_000, 2_000, 3_000]);
    h.send({ action: 'play', start: iso(0), end: iso(4_000) });
    await h.run(2_500, 10);
    h.send({ action: 'speed', speed: -1 });
    await h.run(3_000, 10);
    assert.deepEqual(h.sink.deliveries.map((d) => d.ts - T0), [0, 1_000, 2_000, 2_000, 1_000, 0]);
  });
});

describe('PlaybackSession #speed', () => {
  it('changes pace from the current position without a jump', async (t) => {
    const h = await createHarness(t, [0, 1_000, 2_000, 3_000]);
    const w0 = h.clock.monotonic();
    h.send({ action: 'play', start: iso(0), end: iso(4_000) });
    await h.run(1_500, 10);
    h.send({ action: 'speed', speed: '2' });
    assert.equal(h.sink.lastState().positionMs, T0 + 1_500);
    await h.run(2_000, 10);
    assert.deepEqual(h.sink.deliveries.map((d) => d.wallMs - w0), [0, 1_000, 1_750, 2_250]);
  });
});

describe('PlaybackSession #step', () => {
  it('delivers the next n events at once while paused', async (t) => {
    const h = await createHarness(t, Array.from({ length: 20 }, (_, i) => i * 1_000));
    h.send({ action: 'play', start: iso(0), end: iso(20_000) });
    await h.run(10, 1);
    h.send({ action: 'pause' });
    h.send({ action: 'step', count: 12 });
    await h.run(5, 1);
    assert.deepEqual(h.sink.deliveries.map((d) => d.ts - T0), Array.from({ length: 13 }, (_, i) => i * 1_000));
    assert.equal(h.sink.lastState().positionMs, T0 + 12_000);
    h.send({ action: 'resume' });
    await h.run(1_000, 10);
    assert.equal(h.sink.deliveries.at(-1)?.ts, T0 + 13_000);
  });

  it('is refused while playing', async (t) => {
    const h = await createHarness(t, [0]);
    h.send({ action: 'play', start: iso(0), end: iso(1_000) });
    assert.throws(() => h.send({ action: 'step', count: 1 }), { code: 'invalid_state', message: 'step works while paused, and the session is playing: send pause first' });
  });
});

describe('PlaybackSession live', () => {
  it('delivers only what arrives after going live, in seq order', async (t) => {
    const h = await createHarness(t, [0, 1]);
    h.send({ action: 'live' });
    await h.run(10);
    await h.append([5, 3]);
    assert.deepEqual(h.sink.deliveries.map((d) => [d.seq, d.ts - T0]), [[3, 5], [4, 3]]);
    assert.equal(h.sink.lastState().status, 'live');
  });

  it('says live only once the live position is read, so a write made on seeing it is delivered', async (t) => {
    const h = await createHarness(t, [0, 1]);
    h.send({ action: 'live' });
    assert.deepEqual(h.sink.states.map((s) => s.status), [], 'not live before the store has answered');
    await h.run(10);
    assert.equal(h.sink.lastState().status, 'live');
    await h.append([5]);
    assert.deepEqual(h.sink.deliveries.map((d) => d.seq), [3]);
  });

  it('catches up from time-shifted play and switches to live with no gap or duplicate, while events arrive', async (t) => {
    const start = NOW - T0 - 2_000;
    const h = await createHarness(t, [start, start + 500, start + 1_500]);
    h.send({ action: 'play', start: new Date(NOW - 2_000).toISOString(), speed: 3 });
    await h.run(300, 10);
    await h.append([NOW - T0 - 1_000 + 300]);
    await h.run(400, 10);
    await h.append([NOW - T0 + 700]);
    await h.run(1_000, 10);
    assert.deepEqual([h.sink.lastState().status, h.sink.lastState().start, h.sink.lastState().end], ['live', null, null]);
    await h.append([NOW - T0 + 2_000, NOW - T0 - 50_000]);
    await h.run(10, 1);
    const seqs = h.sink.deliveries.map((d) => d.seq);
    assert.deepEqual([...seqs].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7], 'every event exactly once');
    assert.equal(new Set(seqs).size, seqs.length);
  });

  it('time-shifts from a pause on live and resumes from there', async (t) => {
    const h = await createHarness(t, []);
    h.send({ action: 'live' });
    await h.run(10);
    h.send({ action: 'pause' });
    const pausedAt = h.clock.now();
    await h.run(100);
    await h.append([pausedAt - T0 + 50]);
    h.send({ action: 'resume' });
    await h.run(200, 5);
    assert.deepEqual(h.sink.deliveries.map((d) => d.ts), [pausedAt + 50]);
  });
});

describe('PlaybackSession perceptual pacing', () => {
  it('spreads a burst by minGap and cuts idle stretches to maxGap, dropping nothing', async (t) => {
    const h = await createHarness(t, [0, 1, 2, 3, 60_000]);
    const w0 = h.clock.monotonic();
    h.send({ action: 'play', start: iso(0), end: iso(60_001), minGap: '100ms', maxGap: '2s' });
    await h.run(3_000, 10);
    assert.deepEqual(h.sink.deliveries.map((d) => d.wallMs - w0), [100, 200, 300, 400, 2_400]);
    assert.equal(h.sink.lastState().status, 'ended');
  });
});

describe('PlaybackSession backpressure', () => {
  it('waits for a congested consumer and slows its own replay instead of buffering', async (t) => {
    const h = await createHarness(t, [0, 100, 200]);
    const w0 = h.clock.monotonic();
    h.send({ action: 'play', start: iso(0), end: iso(300) });
    await h.run(50, 1);
    h.sink.isCongested = true;
    await h.run(500, 1);
    assert.equal(h.sink.deliveries.length, 1);
    h.sink.isCongested = false;
    await h.run(300, 1);
    const walls = h.sink.deliveries.map((d) => d.wallMs - w0);
    assert.deepEqual(walls.slice(1).map((w, i) => w - (walls[i] as number)).slice(1), [100], 'the rhythm continues after the stall');
  });

  it('tells a congested live consumer slow_consumer and stops', async (t) => {
    const h = await createHarness(t, []);
    h.send({ action: 'live' });
    await h.run(5);
    h.sink.isCongested = true;
    await h.append([1]);
    assert.equal(h.sink.slow, true);
    assert.equal(h.session.status, 'stopped');
  });
});

describe('PlaybackSession resume after a position', () => {
  it('plays the window from strictly after the given event, keeping its schedule', async (t) => {
    const h = await createHarness(t, [0, 100, 100, 100, 300]);
    const w0 = h.clock.monotonic();
    h.send({ action: 'play', start: iso(0), end: iso(400), after: { ts: T0 + 100, seq: 3 } });
    await h.run(400, 5);
    assert.deepEqual(h.sink.deliveries.map((d) => [d.seq, d.wallMs - w0]), [[4, 0], [5, 200]]);
  });

  it('goes live after delivering what was stored after the given event', async (t) => {
    const h = await createHarness(t, [0, 10, 20]);
    h.send({ action: 'live', after: { ts: T0 + 10, seq: 2 } });
    await h.run(5);
    await h.append([30]);
    assert.deepEqual(h.sink.deliveries.map((d) => d.seq), [3, 4]);
  });

  it('refuses a malformed position', async (t) => {
    const h = await createHarness(t, []);
    assert.throws(() => h.send({ action: 'live', after: { ts: 'x', seq: 1 } }), { message: 'invalid_parameter: after must be an object {"ts": epoch ms, "seq": integer}, got {"ts":"x","seq":1}' });
  });
});

describe('PlaybackSession store failure', () => {
  it('reports store_unavailable and stops, keeping the playhead', async (t) => {
    const h = await createHarness(t, Array.from({ length: 40 }, (_, i) => i * 10));
    h.send({ action: 'play', start: iso(0), end: iso(400) });
    await h.run(50, 1);
    const store = h.store as unknown as { scan: () => AsyncIterable<never> };
    store.scan = () => ({
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('disk I/O error')) }),
    });
    h.send({ action: 'seek', to: iso(200) });
    await h.run(10, 1);
    assert.deepEqual(h.sink.errors.map((e) => [e.code, e.message]), [['store_unavailable', 'reading channel c failed']]);
    assert.deepEqual([h.sink.lastState().status, h.sink.lastState().positionMs], ['stopped', T0 + 200]);
  });
});

describe('PlaybackSession first page', () => {
  it('starts the clock when the first page is read, so the first event is not late by the read', async (t) => {
    const h = await createHarness(t, [0, 100]);
    const store = h.store as unknown as { scan: (request: unknown) => AsyncIterable<unknown> };
    const realScan = store.scan.bind(store);
    store.scan = (request) => ({
      async *[Symbol.asyncIterator]() {
        await Promise.resolve();
        h.clock.advance(7); // the read takes 7 ms of (virtual) time
        yield* realScan(request);
      },
    });
    const w0 = h.clock.monotonic();
    h.send({ action: 'play', start: iso(0), end: iso(200) });
    await h.run(300, 1);
    assert.deepEqual(h.sink.deliveries.map((d) => d.wallMs - w0), [7, 107]);
  });
});
