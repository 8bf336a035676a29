/**
 * A timeline is evaluated by one node: three `playhead serve` nodes on one
 * PostgreSQL schema and NATS. The others send its reads to the lease holder
 * and relay its changes to their WebSocket subscribers; when the holder is
 * SIGKILLed, a survivor evaluates it from the checkpoint and the history
 * and answers exactly what a from-scratch evaluation gives.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { expectedOnSeconds, LAMP_KEYS, LAMP_T0, LAMP_TIMELINE, lampEvent } from '../support/lamp-timeline.js';
import { clusterSkip, eventually, leasesOn, serveCluster } from '../support/serve-cluster.js';
import { POSTGRES_TEST_URL } from '../support/services.js';
import { TestClient } from '../support/ws-client.js';

const skip = await clusterSkip();
const json = { 'content-type': 'application/json' };
const LEASE = `timeline:${LAMP_TIMELINE.name}`;

describe('a timeline across nodes', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
  after(() => admin.end());

  it('is evaluated by its lease holder, read and streamed through every node, and moves exactly when the holder dies', { timeout: 120_000 }, async (t) => {
    const { nodes } = await serveCluster(t, admin, 'tl_owner', ['n0', 'n1', 'n2'], ['--takeover', '2s']);
    const post = async (url: string, from: number, count: number) => {
      const reply = await fetch(`${url}/v1/channels/lamps/events`, { method: 'POST', headers: json, body: JSON.stringify(Array.from({ length: count }, (_, i) => lampEvent(from + i))) });
      assert.equal(reply.status, 201);
    };
    const valuesOn = async (url: string, at: number) => {
      const values: Record<string, unknown> = {};
      for (let lamp = 0; lamp < LAMP_KEYS; lamp += 1) values[`l${lamp}`] = ((await (await fetch(`${url}/v1/timelines/${LAMP_TIMELINE.name}/keys/l${lamp}?at=${at}`)).json()) as { value: unknown }).value;
      return values;
    };

    assert.equal((await fetch(`${nodes[0]?.url}/v1/timelines`, { method: 'POST', headers: json, body: JSON.stringify(LAMP_TIMELINE) })).status, 201);
    const held = await eventually(() => leasesOn(nodes[1]?.url as string), (l) => l[LEASE] !== undefined, 'a node to evaluate the timeline');
    const owner = nodes.find((node) => node.id === held[LEASE]) as (typeof nodes)[0];
    const followers = nodes.filter((node) => node !== owner);
    const watcher = followers[0] as (typeof nodes)[0];
    // Holding the lease is not yet answering: until the owner has read the history, reads and subscriptions get 503 timeline_unavailable (retry).
    await eventually(async () => (await fetch(`${watcher.url}/v1/timelines/${LAMP_TIMELINE.name}/keys/l0?at=${LAMP_T0}`)).status, (status) => status === 200, 'the owner to answer through a follower');
    const client = await TestClient.connect(`${watcher.url.replace('http', 'ws')}/v1/ws`);
    t.after(() => client.socket.close());
    client.send({ action: 'timeline', sub: 't', timeline: LAMP_TIMELINE.name, key: 'l0' });
    await eventually(async () => client.waitFor((message) => message.type === 'timeline', 0, 1_000), (m) => m.type === 'timeline', 'the value now, from the owner');

    for (const [index, node] of followers.entries()) await post(node.url, index * 30, 30);
    const at = LAMP_T0 + 60 * 1_000;
    for (const node of nodes) {
      await eventually(() => valuesOn(node.url, at), (values) => JSON.stringify(values) === JSON.stringify(expectedOnSeconds(60, at)), `${node.id}'s values after 60 events`);
    }
    const stats = ((await (await fetch(`${watcher.url}/v1/timelines/${LAMP_TIMELINE.name}`)).json()) as { stats: { appliedSeq: number } }).stats;
    assert.equal(stats.appliedSeq, 60, 'a follower answers with the owner\'s evaluation');
    await client.waitFor((message) => message.type === 'timeline' && message.key === 'l0' && (message.at as number) >= LAMP_T0 + 57_000, 0, 10_000);

    owner.child.kill('SIGKILL');
    await post(watcher.url, 60, 60);
    await eventually(() => leasesOn(watcher.url), (l) => followers.some((node) => node.id === l[LEASE]), 'a survivor to evaluate the timeline');
    const end = LAMP_T0 + 120 * 1_000;
    for (const node of followers) {
      await eventually(() => valuesOn(node.url, end), (values) => JSON.stringify(values) === JSON.stringify(expectedOnSeconds(120, end)), `${node.id}'s values after the owner died`);
    }
    // Posted after the kill, so streamed by the new owner.
    await eventually(async () => client.messages, (messages) => messages.some((m) => m.type === 'timeline' && m.key === 'l0' && (m.at as number) >= LAMP_T0 + 117_000), 'a change from the new owner on the subscription');
  });
});
