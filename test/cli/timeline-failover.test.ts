/**
 * A timeline's checkpoints move with its lease: two `playhead serve` nodes
 * on one PostgreSQL schema and NATS, the node writing the checkpoints is
 * SIGKILLed, the survivor takes the lease and writes the last checkpoint at
 * its own clean stop, and a fresh node resumes from it to exactly the
 * values a from-scratch evaluation gives.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { startServeProcess } from '../support/cli-process.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../support/services.js';

const NATS_URL = process.env.PLAYHEAD_TEST_NATS ?? 'nats://127.0.0.1:4222';
const skip = (await serviceSkip('PostgreSQL', POSTGRES_TEST_URL)) || (await serviceSkip('NATS', NATS_URL.replace('nats:', 'http:')));
const json = { 'content-type': 'application/json' };
const T0 = Date.UTC(2026, 0, 1);
const KEYS = 3;
const TIMELINE = { name: 'on_time', channel: 'lamps', key: 'data.lamp', query: 'duration_where(latest_event_to_state(s) == "on")' };
const LEASE = `timeline:${TIMELINE.name}`;

/** Event n: lamp n % KEYS at T0 + n s, switched on when n / KEYS is even. */
const event = (n: number) => ({ id: `e${n}`, time: T0 + n * 1_000, data: { lamp: `l${n % KEYS}`, s: Math.floor(n / KEYS) % 2 === 0 ? 'on' : 'off' } });

/** Seconds each lamp was on until `at`, computed from the events themselves. */
function expectedOnSeconds(count: number, at: number): Record<string, number> {
  const on: Record<string, number> = {};
  for (let lamp = 0; lamp < KEYS; lamp += 1) {
    const mine = Array.from({ length: count }, (_, n) => event(n)).filter((e) => e.data.lamp === `l${lamp}`);
    on[`l${lamp}`] = mine.reduce((sum, e, i) => sum + (e.data.s === 'on' ? ((mine[i + 1]?.time ?? at) - e.time) / 1_000 : 0), 0);
  }
  return on;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('timeline checkpoints across nodes', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
  after(() => admin.end());

  it('move to the survivor when the writer dies, and a fresh node resumes from them exactly', { timeout: 90_000 }, async (t) => {
    const schema = `playhead_tl_failover_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const store = `${POSTGRES_TEST_URL}?schema=${schema}`;
    const start = async (id: string) => {
      const node = { id, ...(await startServeProcess(['--store', store, '--bus', NATS_URL, '--node-id', id, '--takeover', '2s'])) };
      t.after(() => node.child.kill('SIGKILL'));
      return node;
    };
    const nodes = [await start('n0'), await start('n1')];
    t.after(() => admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`));
    const post = (url: string, from: number, count: number) => fetch(`${url}/v1/channels/lamps/events`, { method: 'POST', headers: json, body: JSON.stringify(Array.from({ length: count }, (_, i) => event(from + i))) });
    const leases = async (url: string) => ((await (await fetch(`${url}/v1/cluster`)).json()) as { leases: Record<string, string> }).leases;

    assert.equal((await fetch(`${nodes[0]?.url}/v1/timelines`, { method: 'POST', headers: json, body: JSON.stringify(TIMELINE) })).status, 201);
    const held = await eventually(() => leases(nodes[0]?.url as string), (l) => l[LEASE] !== undefined, 'a checkpoint writer');
    const writer = nodes.find((node) => node.id === held[LEASE]) as (typeof nodes)[0];
    const survivor = nodes.find((node) => node !== writer) as (typeof nodes)[0];
    assert.equal((await post(survivor.url, 0, 60)).status, 201);
    writer.child.kill('SIGKILL');
    assert.equal((await post(survivor.url, 60, 60)).status, 201);
    await eventually(() => leases(survivor.url), (l) => l[LEASE] === survivor.id, 'the survivor to take the lease');
    survivor.child.kill('SIGTERM'); // a clean stop writes a last checkpoint, as the lease holder
    await once(survivor.child, 'exit');

    const fresh = await start('n2');
    const at = T0 + 120 * 1_000;
    const expected = expectedOnSeconds(120, at);
    for (const lamp of Object.keys(expected)) {
      const reply = (await (await fetch(`${fresh.url}/v1/timelines/${TIMELINE.name}/keys/${lamp}?at=${at}`)).json()) as { value: number };
      assert.equal(reply.value, expected[lamp], `${lamp}: on for as long as a from-scratch evaluation says`);
    }
    const { stats } = (await (await fetch(`${fresh.url}/v1/timelines/${TIMELINE.name}`)).json()) as { stats: { events: number; appliedSeq: number } };
    assert.equal(stats.appliedSeq, 120, 'the fresh node covers every event');
    assert.equal(stats.events, 0, "it resumed from the survivor's checkpoint, which held all 120 events");
  });
});
