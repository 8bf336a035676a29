/**
 * Three `playhead serve` processes sharing one PostgreSQL schema and NATS,
 * as a user runs them behind a load balancer: events posted to every node
 * reach a live subscriber on every node, each once, in seq order, and a
 * view, timeline or source made on one node answers on every node.
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
const NODES = 3;
const BATCHES = 30;
const EVENTS_PER_BATCH = 10;

describe('several nodes on PostgreSQL and NATS', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
  after(() => admin.end());

  it('delivers events posted to any node to live subscribers on every node, once, in order', { timeout: 60_000 }, async (t) => {
    const schema = `playhead_cluster_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const store = `${POSTGRES_TEST_URL}?schema=${schema}`;
    const nodes: { url: string }[] = [];
    for (let i = 0; i < NODES; i += 1) {
      const node = await startServeProcess(['--store', store, '--bus', NATS_URL, '--node-id', `n${i}`]);
      t.after(() => node.child.kill('SIGKILL'));
      nodes.push(node);
    }
    // Registered after the nodes' kills: after hooks run in the order they were added, so no node reads a dropped schema.
    t.after(() => admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`));
    const clients = await Promise.all(nodes.map((node) => TestClient.connect(`${node.url.replace('http:', 'ws:')}/v1/channels/c/ws`)));
    t.after(() => clients.forEach((client) => client.close()));
    await Promise.all(clients.map((client) => client.waitFor((m) => m.type === 'state' && m.status === 'live')));
    const posts = Array.from({ length: BATCHES }, (_, batch) => fetch(`${nodes[batch % NODES]?.url}/v1/channels/c/events`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({ data: { batch, i } }))),
    }).then((reply) => assert.equal(reply.status, 201)));
    await Promise.all(posts);
    const total = BATCHES * EVENTS_PER_BATCH;
    for (const [index, client] of clients.entries()) {
      await client.waitFor(() => client.of('event').length >= total, 0, 20_000);
      const seqs = client.of('event').map((m) => m.seq as number);
      assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i + 1), `node n${index} saw every event once, in seq order`);
    }
    const view = await fetch(`${nodes[1]?.url}/v1/views`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'CREATE VIEW per_batch AS SELECT count(*) AS n FROM c' }) });
    assert.equal(view.status, 201);
    const rowsOn = async (url: string) => {
      const reply = await fetch(`${url}/v1/views/per_batch`);
      return reply.status === 200 ? ((await reply.json()) as { rows: unknown[] }).rows : [];
    };
    for (const node of nodes) {
      const deadline = Date.now() + 10_000;
      let rows = await rowsOn(node.url);
      while (JSON.stringify(rows) !== JSON.stringify([{ n: total }]) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        rows = await rowsOn(node.url);
      }
      assert.deepEqual(rows, [{ n: total }], `a view made on n1 answers on ${node.url}`);
    }
    const timeline = await fetch(`${nodes[2]?.url}/v1/timelines`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'last_i', channel: 'c', key: 'data.batch', query: 'latest_event_to_state(i)' }),
    });
    assert.equal(timeline.status, 201);
    const lastIOn = async (url: string) => {
      const reply = await fetch(`${url}/v1/timelines/last_i/keys/0?at=now`);
      return reply.status === 200 ? ((await reply.json()) as { value: unknown }).value : undefined;
    };
    for (const node of nodes) {
      const deadline = Date.now() + 10_000;
      while ((await lastIOn(node.url)) !== EVENTS_PER_BATCH - 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await lastIOn(node.url), EVENTS_PER_BATCH - 1, `a timeline made on n2 answers on ${node.url}`);
    }
    const listed = async () => ((await (await fetch(`${nodes[0]?.url}/v1/cluster`)).json()) as { node: string; bus: string; nodes: { id: string; owns: string[] }[] });
    const deadline = Date.now() + 10_000;
    let cluster = await listed();
    while (cluster.nodes.length < NODES && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      cluster = await listed();
    }
    assert.deepEqual([cluster.node, cluster.bus, cluster.nodes.map((node) => node.id)], ['n0', 'nats', ['n0', 'n1', 'n2']], 'GET /v1/cluster lists the live nodes');
    const owners = cluster.nodes.filter((node) => node.owns.includes('timeline:last_i'));
    assert.equal(owners.length, 1, `one node writes the timeline's checkpoints: ${JSON.stringify(cluster.nodes)}`);
    await admin.query(`CREATE TABLE ${quoteIdentifier(schema)}.readings (id bigint PRIMARY KEY, at timestamptz NOT NULL, celsius real)`);
    await admin.query(`INSERT INTO ${quoteIdentifier(schema)}.readings SELECT i, to_timestamp(1520380800 + i), i FROM generate_series(1, 5) AS i`);
    const mount = await fetch(`${nodes[0]?.url}/v1/sources`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'readings', url: `${POSTGRES_TEST_URL}?table=${schema}.readings&time=at&id=id` }),
    });
    assert.equal(mount.status, 201, await mount.text());
    const readingsOn = async (url: string) => {
      const reply = await fetch(`${url}/v1/channels/readings/events?limit=10`);
      return reply.status === 200 ? ((await reply.json()) as { events: unknown[] }).events.length : reply.status;
    };
    for (const node of nodes) {
      const until = Date.now() + 10_000;
      while ((await readingsOn(node.url)) !== 5 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await readingsOn(node.url), 5, `a source mounted on n0 is read on ${node.url}, without a restart`);
    }
  });
});
