import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { AccessPolicy } from '../../src/server/auth/access-policy.js';
import { PostgresFeedStore } from '../../src/store/postgres/postgres-feed-store.js';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { POSTGRES_TEST_URL, serviceSkip, storeSelected } from '../support/services.js';
import { startTestServer } from '../support/test-server.js';

const json = { 'content-type': 'application/json' };

function client(app: FastifyInstance, headers: Record<string, string> = {}) {
  return {
    add: (key: string, payload: unknown) => app.inject({ method: 'POST', url: `/v1/feeds/${key}/items`, headers: { ...json, ...headers }, payload: payload as object }),
    remove: (key: string, id: string) => app.inject({ method: 'DELETE', url: `/v1/feeds/${key}/items/${id}`, headers }),
    configure: (key: string, payload: unknown) => app.inject({ method: 'PUT', url: `/v1/feeds/${key}`, headers: { ...json, ...headers }, payload: payload as object }),
    drop: (key: string) => app.inject({ method: 'DELETE', url: `/v1/feeds/${key}`, headers }),
    get: (key: string, query = '') => app.inject({ url: `/v1/feeds/${key}${query}`, headers }),
  };
}

const pgSkip = storeSelected('postgres') ? await serviceSkip('PostgreSQL', POSTGRES_TEST_URL) : 'PLAYHEAD_TEST_STORES does not include postgres';

/** The issue's example, verbatim: each write answers the first page, newest first, ids or data. */
async function runIssueExample(app: FastifyInstance): Promise<void> {
  const feed = client(app);
  assert.equal((await feed.configure('example', { maxItems: 3 })).statusCode, 200);
  const items = async (reply: Awaited<ReturnType<typeof feed.add>>) => {
    assert.equal(reply.statusCode, 200, reply.body);
    return reply.json().items;
  };
  assert.deepEqual(await items(await feed.add('example', { id: '1', time: '2011-01-01T00:00:00Z' })), ['1']);
  assert.deepEqual(await items(await feed.add('example', { id: '2', time: '2011-01-02T00:00:00Z' })), ['2', '1']);
  assert.deepEqual(await items(await feed.add('example', { id: '3', time: '2011-01-03T00:00:00Z' })), ['3', '2', '1']);
  assert.deepEqual(await items(await feed.add('example', { id: '4', time: '2011-01-04T00:00:00Z' })), ['4', '3', '2']);
  assert.deepEqual(await items(await feed.remove('example', '2')), ['4', '3']);
  assert.deepEqual(await items(await feed.add('example', { id: '5', time: '2011-01-05T00:00:00Z', data: { body: 'Hello world' } })), [{ body: 'Hello world' }, '4', '3']);
}

describe('/v1/feeds', () => {
  it('runs the example of the issue: maxItems 3, ids 1-4 on Jan 1-4, delete 2, add 5 with data', async (t) => {
    const { app } = await startTestServer(t);
    await runIssueExample(app);
  });

  it('runs the example on the PostgreSQL feed store, as --store postgres:// does', { skip: pgSkip }, async (t) => {
    const schema = `playhead_feeds_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const feeds = await PostgresFeedStore.open({ connectionString: POSTGRES_TEST_URL, schema });
    t.after(async () => {
      await feeds.close();
      const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      await admin.end();
    });
    const { app } = await startTestServer(t, { feeds });
    await runIssueExample(app);
  });

  it('moves an item added again to its new time, orders ties by id, and takes arrays, epoch ms and plain numbers', async (t) => {
    const { app } = await startTestServer(t);
    const feed = client(app);
    await feed.add('k', [{ id: 'b', time: 5 }, { id: 'a', time: 5 }, { id: 'c', time: Date.UTC(2011, 0, 1) }]);
    assert.deepEqual((await feed.get('k')).json().items, ['c', 'b', 'a']);
    const moved = await feed.add('k', { id: 'a', time: Date.UTC(2012, 0, 1), data: 'moved' });
    assert.deepEqual(moved.json().items, ['moved', 'c', 'b']);
    assert.equal(moved.json().count, 3, 'never two copies');
  });

  it('pages newest first with cursor and answers only newer items with since', async (t) => {
    const { app } = await startTestServer(t);
    const feed = client(app);
    await feed.add('k', Array.from({ length: 7 }, (_, i) => ({ id: `i${i}`, time: i })));
    const first = (await feed.get('k', '?limit=3')).json();
    assert.deepEqual(first.items, ['i6', 'i5', 'i4']);
    const second = (await feed.get('k', `?limit=3&cursor=${first.next}`)).json();
    assert.deepEqual(second.items, ['i3', 'i2', 'i1']);
    await feed.add('k', { id: 'new', time: 100 });
    const third = (await feed.get('k', `?limit=3&cursor=${second.next}`)).json();
    assert.deepEqual([third.items, third.next], [['i0'], null], 'a write between pages neither skips nor repeats');
    assert.deepEqual((await feed.get('k', `?since=${first.latest}`)).json().items, ['new']);
    const wrong = await feed.get('other', `?cursor=${first.next}`);
    assert.equal(wrong.statusCode, 400);
    assert.deepEqual(wrong.json().error, { code: 'invalid_cursor', message: 'cursor belongs to feed "k", not other' });
  });

  it('trims at once when maxItems shrinks, and drops a feed', async (t) => {
    const { app } = await startTestServer(t, { feedLimits: { defaultMaxItems: 5 } });
    const feed = client(app);
    const full = await feed.add('k', Array.from({ length: 8 }, (_, i) => ({ id: String(i), time: i })));
    assert.deepEqual([full.json().items, full.json().maxItems], [['7', '6', '5', '4', '3'], 5], 'the server default bound applies');
    assert.deepEqual((await feed.configure('k', { maxItems: 2 })).json().items, ['7', '6']);
    assert.equal((await feed.drop('k')).statusCode, 204);
    assert.deepEqual((await feed.get('k')).json(), { feed: 'k', items: [], next: null, latest: null, count: 0, maxItems: 5 });
  });

  it('answers bad input with a structured 400 and writes nothing', async (t) => {
    const { app } = await startTestServer(t);
    const feed = client(app);
    await feed.add('k', { id: 'kept', time: 1 });
    const cases: [Promise<{ statusCode: number; json(): { error: unknown } }>, string, string][] = [
      [feed.add('k', [{ id: 'x', time: 2 }, { time: 3 }]), 'invalid_item', 'item 1: field "id" is required: a string of 1-256 characters or an integer'],
      [feed.add('k', [{ id: 'x', time: 'yesterday' }]), 'invalid_time', 'item 0: time is not ISO-8601 (like 2016-01-15T14:32:24Z), epoch ms, "now" or "now-15m" (at index 0), got "yesterday"'],
      [feed.add('k', [{ id: 'x', time: 1, data: 'x'.repeat(20_000) }]), 'invalid_item', 'item 0: item data is 20002 bytes of JSON, over the limit of 16384'],
      [feed.add('k', [{ id: 'x', time: 1, extra: true }]), 'invalid_item', 'item 0: unknown field "extra": an item has only "id", "time" and "data"'],
      [feed.add('k', []), 'invalid_item', 'the body holds no item: send {"id": "1", "time": …} or an array of them'],
      [feed.add('bad%20key', { id: 'x' }), 'invalid_parameter', 'feed key must be 1-128 characters of A-Z a-z 0-9 . _ : -, got "bad key"'],
      [feed.add('rules', { id: 'x' }), 'invalid_parameter', 'feed key "rules" is reserved (GET /v1/feeds/rules lists the feed rules): choose another key'],
      [feed.configure('k', { maxItems: 0 }), 'invalid_parameter', 'maxItems must be an integer from 1 to 10000, got 0'],
      [feed.configure('k', { maxItems: 10_001 }), 'invalid_parameter', 'maxItems must be an integer from 1 to 10000, got 10001'],
      [feed.configure('k', { max: 3 }), 'invalid_parameter', 'the body must be {"maxItems": n}'],
      [feed.get('k', '?limit=0'), 'invalid_parameter', 'limit must be an integer from 1 to 1000, got 0'],
      [feed.get('k', '?cursor=nonsense'), 'invalid_cursor', 'cursor is not a cursor this server issued: pass a "next" or "latest" value unchanged'],
    ];
    for (const [pending, code, message] of cases) {
      const reply = await pending;
      assert.equal(reply.statusCode, 400, message);
      const { error } = reply.json() as { error: { code: string; message: string; index?: number } };
      assert.deepEqual([error.code, error.message], [code, message]);
      if (message.startsWith('item ')) assert.equal(error.index, Number(message.split(' ')[1]?.replace(':', '')));
    }
    assert.deepEqual((await feed.get('k')).json().items, ['kept']);
  });

  it('keeps keys such as __proto__ and constructor apart', async (t) => {
    const { app } = await startTestServer(t);
    const feed = client(app);
    await feed.add('__proto__', { id: 'constructor', data: { ['__proto__']: { polluted: true } } });
    await feed.add('constructor', { id: '__proto__' });
    assert.deepEqual((await feed.get('__proto__')).json().items, [{ ['__proto__']: { polluted: true } }]);
    assert.deepEqual((await feed.get('constructor')).json().items, ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('checks feed:KEY scopes for reads and writes', async (t) => {
    const access = new AccessPolicy({ reader: ['read:feed:user:*'], writer: ['write:feed:user:ann', 'read:feed:*'], other: ['read:user:*'] });
    const { app } = await startTestServer(t, { access });
    const writer = client(app, { authorization: 'Bearer writer' });
    assert.equal((await writer.add('user:ann', { id: '1' })).statusCode, 200);
    const denied = await writer.add('user:bob', { id: '1' });
    assert.equal(denied.statusCode, 403);
    assert.deepEqual(denied.json().error, { code: 'forbidden', message: 'the token may not write feed user:bob: it needs scope write:feed:user:bob' });
    assert.deepEqual((await client(app, { authorization: 'Bearer reader' }).get('user:ann')).json().items, ['1']);
    assert.equal((await client(app, { authorization: 'Bearer other' }).get('user:ann')).statusCode, 403, 'a channel scope does not cover a feed');
    assert.equal((await client(app).get('user:ann')).statusCode, 401);
  });
});
