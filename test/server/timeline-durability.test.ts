import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/open-store.js';
import { TEST_NOW } from '../support/test-server.js';
import { REBUFFERING_QUERY } from '../../src/cli/video-sessions.js';

const json = { 'content-type': 'application/json' };
const S = 1_000;
const REBUFFERING = REBUFFERING_QUERY;
const DEFINITION = { name: 'rebuffering', channel: 'player', key: 'data.session', query: `${REBUFFERING} | aggregate(count, sum, max)` };
const STATES = ['play', 'seek', 'buffer', 'play', 'buffer', 'pause', 'buffer', 'play'];

/** Deterministic events for a few sessions over `[fromSecond, toSecond)`. */
function events(fromSecond: number, toSecond: number) {
  const out = [];
  for (let second = fromSecond; second < toSecond; second += 1) {
    for (const session of ['a', 'b', 'c']) {
      const state = STATES[(second * 7 + session.charCodeAt(0)) % STATES.length] as string;
      out.push({ time: TEST_NOW + second * S + session.charCodeAt(0), data: { session, playerStateChange: state } });
    }
  }
  return out;
}

async function answers(app: FastifyInstance) {
  const out: Record<string, unknown> = {};
  for (const key of ['a', 'b', 'c']) out[key] = (await app.inject({ url: `/v1/timelines/rebuffering/keys/${key}` })).json().intervals;
  out.aggregate = (await app.inject({ url: `/v1/timelines/rebuffering/aggregate?at=${TEST_NOW + 100 * S}` })).json().rows;
  return out;
}

describe('timeline checkpoints', () => {
  it('resume after a crash from the last checkpoint: same results, no double counting, no whole-log replay', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'playhead-timelines-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const url = `sqlite:${join(dir, 'log.db')}`;
    const onlyA = events(20, 25).filter((event) => event.data.session === 'a');
    const clock = new VirtualClock(TEST_NOW);
    const storeA = await openStore(url);
    const a = await buildServer({ store: storeA, bus: new InProcessBus(), clock });
    await a.inject({ method: 'POST', url: '/v1/timelines', headers: json, payload: DEFINITION });
    await a.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: events(0, 20) });
    clock.advance(30 * S);
    for (let i = 0; i < 100 && (await storeA.getChannel('playhead.timeline-checkpoints')) === undefined; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(await storeA.getChannel('playhead.timeline-checkpoints'), 'a checkpoint was written');
    // Only key a changes: the next checkpoint holds only a, over the first (full) one.
    await a.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: onlyA });
    clock.advance(30 * S);
    for (let i = 0; i < 100 && (await storeA.getChannel('playhead.timeline-checkpoints'))?.count !== 2; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    const checkpoints = [];
    for await (const page of storeA.scan({ channel: 'playhead.timeline-checkpoints', order: 'asc' })) checkpoints.push(...page.map((e) => e.data as { full: boolean; keys: [string][] }));
    assert.deepEqual(checkpoints.map((c) => [c.full, c.keys.map(([key]) => key)]), [[true, ['a', 'b', 'c']], [false, ['a']]]);
    // Appended after the last checkpoint, then the process dies: no final checkpoint is written.
    await a.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: events(25, 30) });
    const before = await answers(a);

    const storeB = await openStore(url);
    const b = await buildServer({ store: storeB, bus: new InProcessBus(), clock: new VirtualClock(TEST_NOW + 30 * S) });
    t.after(async () => {
      await b.close();
      await storeB.close();
      await a.close();
      await storeA.close();
    });
    assert.deepEqual(await answers(b), before, 'the same results as before the crash');
    const { stats } = (await b.inject({ url: '/v1/timelines/rebuffering' })).json();
    assert.equal(stats.events, 15, 'only the 15 events after the last checkpoint were evaluated, not the 80 of the log');
    assert.equal(stats.keys, 3);

    // And it continues exactly: the same as evaluating the whole log from scratch.
    await b.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: events(30, 40) });
    const freshStore = await openStore('sqlite::memory:');
    const fresh = await buildServer({ store: freshStore, bus: new InProcessBus(), clock: new VirtualClock(TEST_NOW) });
    t.after(async () => {
      await fresh.close();
      await freshStore.close();
    });
    await fresh.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: [...events(0, 20), ...onlyA, ...events(25, 40)] });
    await fresh.inject({ method: 'POST', url: '/v1/timelines', headers: json, payload: DEFINITION });
    assert.deepEqual(await answers(b), await answers(fresh));
  });
});
