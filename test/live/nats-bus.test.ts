/**
 * NatsBus between two nodes (two buses, two store connections on one
 * PostgreSQL schema), against a real NATS: every batch ingested on either
 * node reaches live subscribers on both, in seq order, once, also when a
 * batch is too large for NATS and across a restart of the NATS server.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { after, describe, it, type TestContext } from 'node:test';
import { connect as natsConnect } from 'nats';
import pg from 'pg';
import { NatsBus } from '../../src/live/nats/nats-bus.js';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { busNode, inOrderOnce, ingestOnBoth, until } from '../support/bus-nodes.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../support/services.js';

const NATS_URL = process.env.PLAYHEAD_TEST_NATS ?? 'nats://127.0.0.1:4222';
const NATS_SERVER = '/usr/sbin/nats-server';
const skip = (await serviceSkip('PostgreSQL', POSTGRES_TEST_URL)) || (await serviceSkip('NATS', NATS_URL.replace('nats:', 'http:')));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function listening(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`nats-server did not listen on ${port}`);
}

describe('NatsBus across nodes', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
  after(() => admin.end());

  /** A node: its own store connection on the shared schema, its own bus, an ingestor and a live subscriber of channel c. */
  const node = async (t: TestContext, schema: string, servers: string) => busNode(t, schema, await NatsBus.connect({ servers, reconnectWaitMs: 50 }));

  async function cluster(t: TestContext, servers = NATS_URL) {
    const schema = `playhead_nats_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const nodes = [await node(t, schema, servers), await node(t, schema, servers)] as const;
    // After hooks run in the order they were added: the nodes stop before their tables go, or a late gap fill reads a dropped schema.
    t.after(() => admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`));
    return nodes;
  }

  it('delivers batches ingested on both nodes to subscribers on both, in seq order, once', async (t) => ingestOnBoth(await cluster(t)));

  it('carries a batch too large for a NATS message as a hint, read from the store', async (t) => {
    const [a, b] = await cluster(t);
    const big = 'x'.repeat(100_000);
    await a.ingestor.ingest('c', Array.from({ length: 15 }, (_, i) => ({ data: { i, big } })));
    await until(() => b.seen.length >= 15, () => `${b.seen.length} of 15`);
    assert.ok(inOrderOnce(b.seen, 15));
  });

  it('lists the live nodes sharing the bus, and forgets one that stops', async (t) => {
    const a = await NatsBus.connect({ servers: NATS_URL, nodeId: `a-${randomUUID()}`, heartbeatMs: 50 });
    t.after(() => a.close());
    const b = await NatsBus.connect({ servers: NATS_URL, nodeId: `b-${randomUUID()}`, heartbeatMs: 50 });
    t.after(() => b.close());
    const ids = (bus: NatsBus) => bus.nodes().map((node) => node.id);
    await until(() => ids(a).some((id) => id.startsWith('b-')), () => `a sees ${JSON.stringify(a.nodes())}`);
    await until(() => ids(b).some((id) => id.startsWith('a-')), () => `b sees ${JSON.stringify(b.nodes())}`);
    await b.close();
    await until(() => !ids(a).some((id) => id.startsWith('b-')), () => `b still listed: ${JSON.stringify(a.nodes())}`);
  });

  it('ignores what is not a heartbeat on the heartbeat subject, and keeps listing nodes', async (t) => {
    const prefix = `p${randomUUID().slice(0, 8)}`;
    const a = await NatsBus.connect({ servers: NATS_URL, subjectPrefix: prefix, nodeId: 'a', heartbeatMs: 50 });
    t.after(() => a.close());
    const stranger = await natsConnect({ servers: NATS_URL });
    t.after(() => stranger.close());
    for (const junk of ['not json', '{"id": 7}', 'null']) stranger.publish(`${prefix}.nodes`, new TextEncoder().encode(junk));
    await stranger.flush();
    const b = await NatsBus.connect({ servers: NATS_URL, subjectPrefix: prefix, nodeId: 'b', heartbeatMs: 50 });
    t.after(() => b.close());
    await until(() => a.nodes().map((node) => node.id).join() === 'a,b', () => `a sees ${JSON.stringify(a.nodes())}`);
  });

  it('delivers a notice to listeners on this node at once and on the other node once', async (t) => {
    const prefix = `notice${randomUUID().replaceAll('-', '')}`;
    const a = await NatsBus.connect({ servers: NATS_URL, subjectPrefix: prefix });
    t.after(() => a.close());
    const b = await NatsBus.connect({ servers: NATS_URL, subjectPrefix: prefix });
    t.after(() => b.close());
    const heardOnA: unknown[] = [];
    const heardOnB: unknown[] = [];
    a.listen('feed.u1', (payload) => heardOnA.push(payload));
    const stopB = b.listen('feed.u1', (payload) => heardOnB.push(payload));
    b.listen('feed.other', () => assert.fail('a notice reached another topic'));
    await b.flush();
    a.notify('feed.u1', { version: 1 });
    assert.deepEqual(heardOnA, [{ version: 1 }], 'delivered on the sending node before notify returns');
    await until(() => heardOnB.length === 1, () => `b heard ${JSON.stringify(heardOnB)}`);
    stopB();
    a.notify('feed.u1', { version: 2 });
    await a.flush();
    await b.flush();
    assert.deepEqual(heardOnB, [{ version: 1 }], 'nothing after the listener stopped');
    assert.deepEqual(heardOnA, [{ version: 1 }, { version: 2 }], 'its own notices come once, not echoed back');
  });

  const noServer = !existsSync(NATS_SERVER) && process.env.CI !== 'true' ? `${NATS_SERVER} is not installed (apt-get install nats-server)` : false;

  it('fills what was published while the NATS server was down, once it is back', { skip: noServer }, async (t) => {
    const port = await freePort();
    const start = () => {
      const server = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
      t.after(() => server.kill('SIGKILL'));
      return server;
    };
    let server: ChildProcess = start();
    await listening(port);
    const [a, b] = await cluster(t, `nats://127.0.0.1:${port}`);
    await a.ingestor.ingest('c', [{ data: 1 }, { data: 2 }]);
    await until(() => b.seen.length >= 2, () => `${b.seen.length} of 2 before the restart`);
    server.kill('SIGKILL');
    await new Promise((resolve) => server.once('exit', resolve));
    await a.ingestor.ingest('c', [{ data: 3 }, { data: 4 }, { data: 5 }]);
    server = start();
    await until(() => b.seen.length >= 5, () => `${b.seen.length} of 5 after the restart`);
    assert.ok(inOrderOnce(b.seen, 5), `node b: ${b.seen.join(',')}`);
    assert.ok(inOrderOnce(a.seen, 5), `node a: ${a.seen.join(',')}`);
  });
});
