/**
 * PostgresBus between two nodes (two buses, two store connections on one
 * PostgreSQL schema), against the real PostgreSQL: every batch ingested on
 * either node reaches live subscribers on both, in seq order, once, also
 * when a batch is too large for a NOTIFY payload and when a node's bus
 * connection is cut.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { openBus } from '../../src/live/open-bus.js';
import { PostgresBus } from '../../src/live/postgres/postgres-bus.js';
import { MAX_NOTIFY_CHANNEL_BYTES, notifyChannels, notifyPrefixForSchema } from '../../src/live/postgres/postgres-notify-channels.js';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { busNode, inOrderOnce, ingestOnBoth, until } from '../support/bus-nodes.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../support/services.js';

const skip = await serviceSkip('PostgreSQL', POSTGRES_TEST_URL);

const uniquePrefix = () => `playhead_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

describe('notifyChannels', () => {
  it('names four channels under the prefix, each a valid identifier length', () => {
    assert.deepEqual({ ...notifyChannels() }, { live: 'playhead_live', notice: 'playhead_notice', nodes: 'playhead_nodes', hint: 'playhead_hint' });
    const long = notifyChannels(`playhead_${'s'.repeat(80)}`);
    for (const name of Object.values(long)) assert.ok(Buffer.byteLength(name) <= MAX_NOTIFY_CHANNEL_BYTES, name);
    assert.match(long.live, /^playhead_[0-9a-f]{16}_live$/);
    assert.deepEqual(notifyChannels(`playhead_${'s'.repeat(80)}`), long, 'the same on every node');
  });

  it('keeps deployments in two schemas of one database apart', () => {
    assert.equal(notifyPrefixForSchema(undefined), 'playhead');
    assert.equal(notifyPrefixForSchema('public'), 'playhead');
    assert.equal(notifyPrefixForSchema('shop'), 'playhead_shop');
  });
});

describe('openBus postgres', () => {
  it('refuses --bus postgres on a SQLite store, saying what to use instead', async () => {
    await assert.rejects(openBus('postgres', 'n1', 'sqlite:./data/playhead.db'), {
      message: '--bus postgres uses the --store PostgreSQL database for LISTEN/NOTIFY, but a SQLite store is a file of one process and cannot be shared by several nodes: use --store postgres://user@host:5432/db, or name the bus database with --bus postgres://user@host:5432/db, or use --bus nats://host:4222',
    });
  });

  it('refuses --bus postgres on a DynamoDB store', async () => {
    await assert.rejects(openBus('postgres', 'n1', 'dynamodb://eu-west-1'), /--bus postgres uses the --store PostgreSQL database for LISTEN\/NOTIFY, but the store is "dynamodb:\/\/eu-west-1": /);
  });

  it('opens a PostgresBus on the store database, channels named after its schema', { skip }, async (t) => {
    const bus = await openBus('postgres', 'n1', `${POSTGRES_TEST_URL}?schema=shop`);
    t.after(() => bus.close());
    assert.ok(bus instanceof PostgresBus);
    assert.equal(bus.notifyChannels.live, 'playhead_shop_live');
    assert.deepEqual(bus.nodes().map((node) => node.id), ['n1']);
  });
});

describe('PostgresBus across nodes', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
  after(() => admin.end());

  /** A node: its own store connection on the shared schema, its own bus, an ingestor and a live subscriber of channel c. */
  async function node(t: TestContext, schema: string, nodeId: string) {
    const errors: unknown[] = [];
    const bus = await PostgresBus.connect({ connectionString: POSTGRES_TEST_URL, channelPrefix: schema, nodeId, reconnectWaitMs: 50, onError: (error) => errors.push(error) });
    const notices: unknown[] = [];
    bus.listen('feed.u1', (payload) => notices.push(payload));
    return { nodeId, errors, notices, ...(await busNode(t, schema, bus)) };
  }

  async function cluster(t: TestContext) {
    const schema = uniquePrefix();
    const nodes = [await node(t, schema, `a-${schema}`), await node(t, schema, `b-${schema}`)] as const;
    // After hooks run in the order they were added: the nodes stop before their tables go, or a late gap fill reads a dropped schema.
    t.after(() => admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`));
    return nodes;
  }

  it('delivers batches ingested on both nodes to subscribers on both, in seq order, once', async (t) => ingestOnBoth(await cluster(t)));

  it('carries a batch too large for a NOTIFY payload as a hint, read from the store', async (t) => {
    const [a, b] = await cluster(t);
    const heard: number[] = [];
    b.bus.subscribe('c', (events) => heard.push(events.length));
    const big = 'x'.repeat(1_000);
    await a.ingestor.ingest('c', Array.from({ length: 15 }, (_, i) => ({ data: { i, big } })));
    await until(() => b.seen.length >= 15, () => `${b.seen.length} of 15`);
    assert.ok(inOrderOnce(b.seen, 15));
    assert.deepEqual(heard, [0], 'the other node heard one hint, no events');
  });

  it('fills what was published while a node\'s bus connection was cut, once it is back', async (t) => {
    const [a, b] = await cluster(t);
    await a.ingestor.ingest('c', [{ data: 1 }, { data: 2 }]);
    await until(() => b.seen.length >= 2, () => `${b.seen.length} of 2 before the cut`);
    // The test's own node: terminate b's bus connection, found by its application_name.
    const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`playhead bus ${b.nodeId}`]);
    assert.equal(rowCount, 1, 'found the bus connection of node b');
    await a.ingestor.ingest('c', [{ data: 3 }, { data: 4 }, { data: 5 }]);
    await until(() => b.seen.length >= 5, () => `${b.seen.length} of 5 after the cut`);
    assert.ok(inOrderOnce(b.seen, 5), `node b: ${b.seen.join(',')}`);
    assert.ok(inOrderOnce(a.seen, 5), `node a: ${a.seen.join(',')}`);
    assert.ok(b.errors.length >= 1, 'node b was told its connection went');
    assert.ok(b.notices.includes(null), 'its notice listeners heard null: notices may have been lost');
    await a.ingestor.ingest('c', [{ data: 6 }]);
    await until(() => b.seen.length >= 6, () => `${b.seen.length} of 6 on the new connection`);
  });

  it('hints the other nodes when the publishing node\'s bus connection was cut', async (t) => {
    const [a, b] = await cluster(t);
    await a.ingestor.ingest('c', [{ data: 1 }]);
    await until(() => b.seen.length >= 1, () => `${b.seen.length} of 1 before the cut`);
    const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`playhead bus ${a.nodeId}`]);
    assert.equal(rowCount, 1, 'found the bus connection of node a');
    // Committed while a's bus connection is going or gone: its NOTIFY is lost, and the hint a sends once back stands for it.
    await a.ingestor.ingest('c', [{ data: 2 }, { data: 3 }]);
    await until(() => b.seen.length >= 3, () => `${b.seen.length} of 3 after the cut`);
    assert.ok(inOrderOnce(b.seen, 3), `node b: ${b.seen.join(',')}`);
  });

  it('lists the live nodes sharing the bus, and forgets one that stops', async (t) => {
    const channelPrefix = uniquePrefix();
    const a = await PostgresBus.connect({ connectionString: POSTGRES_TEST_URL, channelPrefix, nodeId: 'a', heartbeatMs: 50 });
    t.after(() => a.close());
    const b = await PostgresBus.connect({ connectionString: POSTGRES_TEST_URL, channelPrefix, nodeId: 'b', heartbeatMs: 50 });
    t.after(() => b.close());
    const ids = (bus: PostgresBus) => bus.nodes().map((node) => node.id);
    await until(() => ids(a).includes('b'), () => `a sees ${JSON.stringify(a.nodes())}`);
    await until(() => ids(b).includes('a'), () => `b sees ${JSON.stringify(b.nodes())}`);
    assert.deepEqual(ids(a), ['a', 'b']);
    await b.close();
    await until(() => !ids(a).includes('b'), () => `b still listed: ${JSON.stringify(a.nodes())}`);
  });

  it('delivers a notice to listeners on this node at once and on the other node once', async (t) => {
    const channelPrefix = uniquePrefix();
    const a = await PostgresBus.connect({ connectionString: POSTGRES_TEST_URL, channelPrefix });
    t.after(() => a.close());
    const b = await PostgresBus.connect({ connectionString: POSTGRES_TEST_URL, channelPrefix });
    t.after(() => b.close());
    const heardOnA: unknown[] = [];
    const heardOnB: unknown[] = [];
    a.listen('feed.u1', (payload) => heardOnA.push(payload));
    const stopB = b.listen('feed.u1', (payload) => heardOnB.push(payload));
    b.listen('feed.other', () => assert.fail('a notice reached another topic'));
    a.notify('feed.u1', { version: 1 });
    a.notify('feed.u1', { version: 1 });
    assert.deepEqual(heardOnA, [{ version: 1 }, { version: 1 }], 'delivered on the sending node before notify returns');
    await until(() => heardOnB.length === 2, () => `b heard ${JSON.stringify(heardOnB)}`);
    stopB();
    a.notify('feed.u1', { version: 2 });
    await a.flush();
    // A round trip through b's connection: anything a sent before is delivered to b by now.
    await b.flush();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(heardOnB, [{ version: 1 }, { version: 1 }], 'equal notices both arrive, and nothing after the listener stopped');
    assert.deepEqual(heardOnA, [{ version: 1 }, { version: 1 }, { version: 2 }], 'its own notices come once, not echoed back');
  });

  it('carries a notice too large for NOTIFY as null, "read the store", to the other node', async (t) => {
    const channelPrefix = uniquePrefix();
    const a = await PostgresBus.connect({ connectionString: POSTGRES_TEST_URL, channelPrefix });
    t.after(() => a.close());
    const b = await PostgresBus.connect({ connectionString: POSTGRES_TEST_URL, channelPrefix });
    t.after(() => b.close());
    const heardOnA: unknown[] = [];
    const heardOnB: unknown[] = [];
    a.listen('big', (payload) => heardOnA.push(payload));
    b.listen('big', (payload) => heardOnB.push(payload));
    const big = 'x'.repeat(8_000);
    a.notify('big', big);
    assert.deepEqual(heardOnA, [big], 'the sending node hears the notice itself');
    await until(() => heardOnB.length === 1, () => `b heard ${heardOnB.length}`);
    assert.deepEqual(heardOnB, [null]);
  });

  it('ignores a NOTIFY on its channel that is not its own format', async (t) => {
    const errors: unknown[] = [];
    const channelPrefix = uniquePrefix();
    const a = await PostgresBus.connect({ connectionString: POSTGRES_TEST_URL, channelPrefix, onError: (error) => errors.push(error) });
    t.after(() => a.close());
    const heard: unknown[] = [];
    a.subscribe('c', (events) => heard.push(events));
    await admin.query('SELECT pg_notify($1, $2)', [a.notifyChannels.live, 'not json']);
    await admin.query('SELECT pg_notify($1, $2)', [a.notifyChannels.live, JSON.stringify({ c: 'c' })]);
    await until(() => heard.length === 1, () => `heard ${JSON.stringify(heard)}`);
    assert.deepEqual(heard, [[]], 'the well-formed one is a hint');
    assert.ok(errors[0] instanceof SyntaxError);
  });
});
