import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REBUFFERING_QUERY } from '../../src/cli/video-sessions.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { openFeedStore } from '../../src/store/open-store.js';
import { compileTimeline } from '../../src/timeline/compile-timeline.js';
import { checkpointFeedKey } from '../../src/timeline/timeline-checkpoints.js';
import { TimelineEvaluator } from '../../src/timeline/timeline-evaluator.js';
import { startServeProcess } from '../support/cli-process.js';

const json = { 'content-type': 'application/json' };
const SESSIONS = 10;
const EVENTS_PER_BATCH = 50;
const BASE_TS = Date.UTC(2026, 0, 1);
const STEP_MS = 700;
const STATES = ['play', 'seek', 'buffer', 'play', 'buffer', 'pause', 'buffer', 'play', 'seek', 'buffer'];
const QUERY = `${REBUFFERING_QUERY} | aggregate(count, sum, max)`;
const DEFINITION = { name: 'rebuffering', channel: 'player', key: 'data.session', query: QUERY };

interface Stored { readonly seq: number; readonly ts: number; readonly data: unknown }

/** Batch `n`: every session's events over its own stretch of time (later batches, later times). */
function batch(n: number) {
  return Array.from({ length: EVENTS_PER_BATCH }, (_, i) => {
    const index = n * EVENTS_PER_BATCH + i;
    const session = index % SESSIONS;
    return { id: `e${index}`, time: BASE_TS + index * STEP_MS, data: { session: `s${session}`, playerStateChange: STATES[(Math.floor(index / SESSIONS) * 3 + session) % STATES.length] } };
  });
}

async function post(url: string, n: number): Promise<Response> {
  return fetch(`${url}/v1/channels/player/events`, { method: 'POST', headers: json, body: JSON.stringify(batch(n)) });
}

async function readAll(url: string, channel: string): Promise<Stored[]> {
  const out: Stored[] = [];
  for (let cursor: string | null = ''; cursor !== null;) {
    const page = (await (await fetch(`${url}/v1/channels/${channel}/events?limit=1000${cursor === '' ? '' : `&cursor=${cursor}`}`)).json()) as { events: Stored[]; next: string | null };
    out.push(...page.events);
    cursor = page.next;
  }
  return out;
}

async function stats(url: string): Promise<{ events: number; keys: number }> {
  return ((await (await fetch(`${url}/v1/timelines/rebuffering`)).json()) as { stats: { events: number; keys: number } }).stats;
}

describe('timelines under playhead serve', () => {
  it('resume exactly after SIGKILL: the results equal a from-scratch evaluation, nothing counted twice or lost', async (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'playhead-timeline-kill-'));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    const store = `sqlite:${join(folder, 'p.db')}`;

    // 1: a timeline and 200 events; a clean stop writes a checkpoint that covers them.
    const first = await startServeProcess(['--store', store]);
    t.after(() => first.child.kill('SIGKILL'));
    assert.equal((await fetch(`${first.url}/v1/timelines`, { method: 'POST', headers: json, body: JSON.stringify(DEFINITION) })).status, 201);
    for (let n = 0; n < 4; n += 1) assert.equal((await post(first.url, n)).status, 201);
    const exited = once(first.child, 'exit');
    first.child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);

    // 2: resumed from that checkpoint (nothing read again), more events, then SIGKILL with batches in flight.
    const second = await startServeProcess(['--store', store]);
    t.after(() => second.child.kill('SIGKILL'));
    assert.deepEqual(await stats(second.url), { ...(await stats(second.url)), events: 0, keys: SESSIONS }, 'restored from the checkpoint, no event evaluated again');
    for (let n = 4; n < 8; n += 1) assert.equal((await post(second.url, n)).status, 201);
    const inFlight = Array.from({ length: 6 }, (_, i) => post(second.url, 8 + i).catch(() => undefined));
    second.child.kill('SIGKILL');
    await Promise.all(inFlight);

    // 3: after the crash, the same answers as evaluating every stored event from scratch.
    const third = await startServeProcess(['--store', store]);
    t.after(() => third.child.kill());
    const stored = await readAll(third.url, 'player');
    assert.ok(stored.length >= 8 * EVENTS_PER_BATCH, `at least the acknowledged batches are stored, got ${stored.length}`);
    // serve keeps checkpoints in the feed store of the same URL (compacted), under the definition's id.
    const [definition] = await readAll(third.url, 'playhead.timelines');
    const feeds = await openFeedStore(store);
    t.after(() => feeds.close());
    const checkpoints = (await feeds.read(checkpointFeedKey((definition as Stored).seq), { limit: 1_000 })).items;
    const coveredSeq = Math.max(...checkpoints.map((item) => (item.data as { seq: number }).seq));
    assert.ok(coveredSeq >= (stored[4 * EVENTS_PER_BATCH - 1] as Stored).seq, 'the checkpoint of the clean stop covers the first 200 events');
    const after = stored.filter((event) => event.seq > coveredSeq).length;
    assert.deepEqual(await stats(third.url), { ...(await stats(third.url)), events: after, keys: SESSIONS }, 'only the events after the checkpoint were evaluated again');

    const scratch = new TimelineEvaluator({ plan: compileTimeline(QUERY), key: 'data.session', clock: new VirtualClock(BASE_TS) });
    for (const event of stored) scratch.push(event);
    for (let session = 0; session < SESSIONS; session += 1) {
      const key = `s${session}`;
      const served = (await (await fetch(`${third.url}/v1/timelines/rebuffering/keys/${key}`)).json()) as { intervals: unknown };
      assert.deepEqual(served.intervals, JSON.parse(JSON.stringify(scratch.intervals(key))), `session ${key}`);
    }
    const end = BASE_TS + 14 * EVENTS_PER_BATCH * STEP_MS;
    for (const at of [BASE_TS + 100 * STEP_MS, BASE_TS + 450 * STEP_MS, end]) {
      const served = (await (await fetch(`${third.url}/v1/timelines/rebuffering/aggregate?at=${at}`)).json()) as { rows: unknown };
      assert.deepEqual(served.rows, JSON.parse(JSON.stringify(scratch.aggregate(at))), `aggregate at ${at}`);
    }
    const total = scratch.aggregate(end)[0] as { sum: number };
    assert.ok(total.sum > 0, 'the query measured some rebuffering');
  });
});
