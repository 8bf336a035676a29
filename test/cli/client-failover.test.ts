/**
 * A `playhead/client` user behind a load balancer (here a TCP proxy) whose
 * node is SIGKILLed: the client reconnects, lands on another node and its
 * live subscription resumes after the last event it delivered, so it sees
 * every event once, in order.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect as connectTcp, createServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import WebSocket from 'ws';
import { connect, type WebSocketConstructor } from '../../client/index.js';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { startServeProcess } from '../support/cli-process.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../support/services.js';

const NATS_URL = process.env.PLAYHEAD_TEST_NATS ?? 'nats://127.0.0.1:4222';
const skip = (await serviceSkip('PostgreSQL', POSTGRES_TEST_URL)) || (await serviceSkip('NATS', NATS_URL.replace('nats:', 'http:')));
const json = { 'content-type': 'application/json' };

/** Forwards each new connection to the current target, as a load balancer would after a health check. */
async function proxy(): Promise<{ url: string; target: { port: number }; close: () => void }> {
  const target = { port: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connectTcp({ host: '127.0.0.1', port: target.port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => (sockets.delete(socket), client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, target, close: () => (server.close(), sockets.forEach((socket) => socket.destroy())) };
}

describe('a client whose node dies', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
  after(() => admin.end());

  it('reconnects through the load balancer to another node and resumes live after its last event', { timeout: 60_000 }, async (t) => {
    const schema = `playhead_client_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const store = `${POSTGRES_TEST_URL}?schema=${schema}`;
    const nodes = [];
    for (const id of ['n0', 'n1']) {
      const node = await startServeProcess(['--store', store, '--bus', NATS_URL, '--node-id', id]);
      t.after(() => node.child.kill('SIGKILL'));
      nodes.push(node);
    }
    t.after(() => admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`));
    const [first, second] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const balancer = await proxy();
    t.after(() => balancer.close());
    balancer.target.port = Number(new URL(first.url).port);

    const client = connect(balancer.url, { WebSocket: WebSocket as unknown as WebSocketConstructor, minBackoffMs: 50, maxBackoffMs: 200 });
    t.after(() => client.close());
    const seen: number[] = [];
    const live = client.channel('c').live();
    live.onEvent((event) => void seen.push((event.data as { i: number }).i));
    const isLive = new Promise<void>((resolve) => live.onState((state) => state.status === 'live' && resolve()));
    const post = async (url: string, from: number, count: number) => {
      const reply = await fetch(`${url}/v1/channels/c/events`, { method: 'POST', headers: json, body: JSON.stringify(Array.from({ length: count }, (_, k) => ({ data: { i: from + k } }))) });
      assert.equal(reply.status, 201);
    };
    const until = async (count: number) => {
      const deadline = Date.now() + 20_000;
      while (seen.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await isLive;
    await post(second.url, 0, 50);
    await until(50);
    assert.equal(seen.length, 50, 'live through the first node');

    first.child.kill('SIGKILL');
    balancer.target.port = Number(new URL(second.url).port);
    await post(second.url, 50, 50); // while the client is away
    await until(100);
    await post(second.url, 100, 50);
    await until(150);
    assert.deepEqual(seen, Array.from({ length: 150 }, (_, i) => i), 'every event once, in order, across the fail-over');
  });
});
