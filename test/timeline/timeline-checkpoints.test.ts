import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { REBUFFERING_QUERY } from '../../src/cli/video-sessions.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import type { FeedStore } from '../../src/store/feed-store.js';
import { openFeedStore, openStore } from '../../src/store/open-store.js';
import { checkpointFeedKey, TIMELINE_CHECKPOINTS_CHANNEL } from '../../src/timeline/timeline-checkpoints.js';
import { TEST_NOW } from '../support/test-server.js';

const json = { 'content-type': 'application/json' };
const S = 1_000;
const CHECKPOINT_INTERVAL_MS = 30 * S;
const DEFINITION = { name: 'rebuffering', channel: 'player', key: 'data.session', query: `${REBUFFERING_QUERY} | aggregate(count, sum)` };
const STATES = ['play', 'seek', 'buffer', 'play', 'buffer', 'pause', 'buffer', 'play'];
const SESSIONS = ['a', 'b', 'c'];

/** Round `round`'s events: every session in the first one (a full checkpoint's keys), then one session per round. */
function events(round: number) {
  const sessions = round === 0 ? SESSIONS : [SESSIONS[round % SESSIONS.length] as string];
  return sessions.map((session, index) => ({
    time: TEST_NOW + round * S + index,
    data: { session, playerStateChange: STATES[(round * 3 + index) % STATES.length] },
  }));
}

async function items(feeds: FeedStore, id: number): Promise<{ id: string; time: number }[]> {
  const page = await feeds.read(checkpointFeedKey(id), { limit: 1_000 });
  return page.items.map((item) => ({ id: item.id, time: item.time }));
}

async function answers(app: FastifyInstance) {
  const out: Record<string, unknown> = {};
  for (const key of SESSIONS) out[key] = (await app.inject({ url: `/v1/timelines/rebuffering/keys/${key}` })).json().intervals;
  out.aggregate = (await app.inject({ url: `/v1/timelines/rebuffering/aggregate?at=${TEST_NOW + 100 * S}` })).json().rows;
  return out;
}

describe('TimelineCheckpointStore over a feed store (compaction)', () => {
  it('keeps only the newest full checkpoint and the incremental ones after it, and a restart resumes from them exactly', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'playhead-timeline-compaction-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const url = `sqlite:${join(dir, 'log.db')}`;
    const clock = new VirtualClock(TEST_NOW);
    const store = await openStore(url);
    const feeds = await openFeedStore(url);
    const app = await buildServer({ store, feeds, bus: new InProcessBus(), clock });
    const created = await app.inject({ method: 'POST', url: '/v1/timelines', headers: json, payload: DEFINITION });
    assert.equal(created.statusCode, 201);
    const [definition] = await (async () => {
      const out = [];
      for await (const page of store.scan({ channel: 'playhead.timelines', order: 'asc' })) out.push(...page);
      return out;
    })();
    const id = (definition as { seq: number }).seq;
    const rounds = 25;
    const seen: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      await app.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: events(round) });
      clock.advance(CHECKPOINT_INTERVAL_MS);
      for (let i = 0; i < 200 && (await items(feeds, id))[0]?.time !== round + 1; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push((await items(feeds, id)).length);
    }
    // Checkpoint 1 is full, then 9 incremental ones, then full again at 11 and 21 (every tenth).
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5]);
    assert.deepEqual((await items(feeds, id)).map((item) => item.id), ['25:000000', '24:000000', '23:000000', '22:000000', '21:000000']);
    assert.equal(await store.getChannel(TIMELINE_CHECKPOINTS_CHANNEL), undefined, 'nothing goes to the event log when a feed store is given');
    const before = await answers(app);
    // A crash: no last checkpoint; the restart reads the compacted one.
    const storeB = await openStore(url);
    const feedsB = await openFeedStore(url);
    const clockB = new VirtualClock(clock.now());
    const b = await buildServer({ store: storeB, feeds: feedsB, bus: new InProcessBus(), clock: clockB });
    t.after(async () => {
      await b.close();
      await feedsB.close();
      await storeB.close();
      await app.close();
      await feeds.close();
      await store.close();
    });
    assert.deepEqual(await answers(b), before);
    assert.equal((await b.inject({ url: '/v1/timelines/rebuffering' })).json().stats.events, 0, 'the checkpoint covered every event');
    // The new writer (a restart here; another node after a fail-over) numbers on from the stored ones, and its first full checkpoint removes them.
    await b.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: events(rounds) });
    clockB.advance(CHECKPOINT_INTERVAL_MS);
    for (let i = 0; i < 200 && (await items(feedsB, id))[0]?.time !== rounds + 1; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual((await items(feedsB, id)).map((item) => item.id), [`${rounds + 1}:000000`]);

    const fresh = await buildServer({ store: await openStore('sqlite::memory:'), bus: new InProcessBus(), clock: new VirtualClock(TEST_NOW) });
    t.after(() => fresh.close());
    for (let round = 0; round < rounds; round += 1) await fresh.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: events(round) });
    await fresh.inject({ method: 'POST', url: '/v1/timelines', headers: json, payload: DEFINITION });
    assert.deepEqual(before, await answers(fresh), 'the same as evaluating every event from scratch');

    // Deleting the timeline drops its checkpoints.
    assert.equal((await b.inject({ method: 'DELETE', url: '/v1/timelines/rebuffering' })).statusCode, 204);
    assert.deepEqual(await items(feedsB, id), []);
  });
});
