/**
 * A timeline is evaluated by one node: three `playhead serve` nodes on one
 * PostgreSQL schema and NATS. The others send its reads to the lease holder
 * and relay its changes to their WebSocket subscribers; when the holder is
 * SIGKILLed, a survivor evaluates it from the checkpoint and the history
 * and answers exactly what a from-scratch evaluation gives.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { startServeProcess } from '../support/cli-process.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../support/services.js';
import { TestClient } from '../support/ws-client.js';

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
    const value = await read().catch((error: unknown) => error as T);
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a timeline across nodes', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
  after(() => admin.end());

  it('is evaluated by its lease holder, read and streamed through every node, and moves exactly when the holder dies', { timeout: 120_000 }, async (t) => {
    const schema = `playhead_tl_owner_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const store = `${POSTGRES_TEST_URL}?schema=${schema}`;
    t.after(() => admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`));
    const start = async (id: string) => {
      const node = { id, ...(await startServeProcess(['--store', store, '--bus', NATS_URL, '--node-id', id, '--takeover', '2s'])) };
      t.after(() => node.child.kill('SIGKILL'));
      return node;
    };
    const nodes = [await start('n0'), await start('n1'), await start('n2')];
    const post = async (url: string, from: number, count: number) => {
      const reply = await fetch(`${url}/v1/channels/lamps/events`, { method: 'POST', headers: json, body: JSON.stringify(Array.from({ length: count }, (_, i) => event(from + i))) });
      assert.equal(reply.status, 201);
    };
    const leases = async (url: string) => ((await (await fetch(`${url}/v1/cluster`)).json()) as { leases: Record<string, string> }).leases;
    const valuesOn = async (url: string, at: number) => {
      const values: Record<string, unknown> = {};
      for (let lamp = 0; lamp < KEYS; lamp += 1) values[`l${lamp}`] = ((await (await fetch(`${url}/v1/timelines/${TIMELINE.name}/keys/l${lamp}?at=${at}`)).json()) as { value: unknown }).value;
      return values;
    };

    assert.equal((await fetch(`${nodes[0]?.url}/v1/timelines`, { method: 'POST', headers: json, body: JSON.stringify(TIMELINE) })).status, 201);
    const held = await eventually(() => leases(nodes[1]?.url as string), (l) => l[LEASE] !== undefined, 'a node to evaluate the timeline');
    const owner = nodes.find((node) => node.id === held[LEASE]) as (typeof nodes)[0];
    const followers = nodes.filter((node) => node !== owner);
    const watcher = followers[0] as (typeof nodes)[0];
    const client = await TestClient.connect(`${watcher.url.replace('http', 'ws')}/v1/ws`);
    t.after(() => client.socket.close());
    client.send({ action: 'timeline', sub: 't', timeline: TIMELINE.name, key: 'l0' });
    await eventually(async () => client.waitFor((message) => message.type === 'timeline', 0, 1_000), (m) => m.type === 'timeline', 'the value now, from the owner');

    for (const [index, node] of followers.entries()) await post(node.url, index * 30, 30);
    const at = T0 + 60 * 1_000;
    for (const node of nodes) {
      await eventually(() => valuesOn(node.url, at), (values) => JSON.stringify(values) === JSON.stringify(expectedOnSeconds(60, at)), `${node.id}'s values after 60 events`);
    }
    const stats = ((await (await fetch(`${watcher.url}/v1/timelines/${TIMELINE.name}`)).json()) as { stats: { appliedSeq: number } }).stats;
    assert.equal(stats.appliedSeq, 60, 'a follower answers with the owner\'s evaluation');
    await client.waitFor((message) => message.type === 'timeline' && message.key === 'l0' && (message.at as number) >= T0 + 57_000, 0, 10_000);

    owner.child.kill('SIGKILL');
    await post(watcher.url, 60, 60);
    await eventually(() => leases(watcher.url), (l) => followers.some((node) => node.id === l[LEASE]), 'a survivor to evaluate the timeline');
    const end = T0 + 120 * 1_000;
    for (const node of followers) {
      await eventually(() => valuesOn(node.url, end), (values) => JSON.stringify(values) === JSON.stringify(expectedOnSeconds(120, end)), `${node.id}'s values after the owner died`);
    }
    // Posted after the kill, so streamed by the new owner.
    await eventually(async () => client.messages, (messages) => messages.some((m) => m.type === 'timeline' && m.key === 'l0' && (m.at as number) >= T0 + 117_000), 'a change from the new owner on the subscription');
  });
});
