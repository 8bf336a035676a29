import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../src/core/clock.js';
import { Ingestor, INGEST_DEFAULTS } from '../../src/ingest/ingestor.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import { loadVideoDemo, VIDEO_DEMO_SESSIONS, VIDEO_DEMO_TIMELINES } from '../../src/cli/video-demo.js';
import { videoSessionEvents } from '../../src/cli/video-sessions.js';
import { startTestServer } from '../support/test-server.js';

describe('video-session generator', () => {
  it('draws the same events for the same seed, each session in time order, from startup buffering to ended', () => {
    const options = { sessions: 5, eventsPerSession: 20, seed: 9, startTs: 0 };
    const events = [...videoSessionEvents(options)];
    assert.deepEqual([...videoSessionEvents(options)], events);
    assert.notDeepEqual([...videoSessionEvents({ ...options, seed: 10 })], events);
    assert.equal(events.length, 100);
    for (const session of ['s0', 's1', 's2', 's3', 's4']) {
      const own = events.filter((event) => event.data.session === session);
      assert.equal(own[0]?.data.playerStateChange, 'buffer');
      assert.equal(own.at(-1)?.data.playerStateChange, 'ended');
      assert.ok(own.every((event, i) => i === 0 || event.ts > (own[i - 1] as { ts: number }).ts));
    }
  });
});

describe('video demo', () => {
  it('loads the channel idempotently and creates the demo timelines once', async (t) => {
    const { store, bus } = await startTestServer(t);
    const ingestor = new Ingestor({ writer: store, bus, clock: systemClock, limits: INGEST_DEFAULTS });
    const total = VIDEO_DEMO_SESSIONS.sessions * VIDEO_DEMO_SESSIONS.eventsPerSession;
    assert.deepEqual(await loadVideoDemo(ingestor), { channel: 'video.sessions', records: total, accepted: total, duplicates: 0 });
    assert.equal((await loadVideoDemo(ingestor)).duplicates, total);
    const demo = await buildServer({ store, bus: new InProcessBus(), timelines: VIDEO_DEMO_TIMELINES });
    t.after(() => demo.close());
    const again = await buildServer({ store, bus: new InProcessBus(), timelines: VIDEO_DEMO_TIMELINES });
    t.after(() => again.close());
    assert.deepEqual((await again.inject({ url: '/v1/timelines' })).json().timelines.map((d: { name: string }) => d.name), ['buffering-now', 'player-state', 'rebuffering'], 'created once, kept across a restart');
    const rows = (await again.inject({ url: `/v1/timelines/rebuffering/aggregate?at=${VIDEO_DEMO_SESSIONS.startTs + 7_200_000}` })).json().rows as { count: number; sum: number }[];
    assert.equal(rows.reduce((n, row) => n + row.count, 0), VIDEO_DEMO_SESSIONS.sessions);
    assert.ok(rows.every((row) => row.sum >= 0));
  });
});
