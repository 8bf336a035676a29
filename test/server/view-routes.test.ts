import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlayheadError } from '../../src/core/errors.js';
import { normalizeEvent } from '../../src/core/event.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import { AccessPolicy } from '../../src/server/auth/access-policy.js';
import { startTestServer, TEST_NOW } from '../support/test-server.js';

const json = { 'content-type': 'application/json' };
const TOP = 'CREATE VIEW top AS SELECT data.user AS user, count(*) AS edits FROM wiki WHERE data.bot = false GROUP BY data.user ORDER BY edits DESC LIMIT 2';
const edit = (user: string, bot = false, offsetMs = 0) => ({ time: TEST_NOW + offsetMs, data: { user, bot } });

describe('/v1/views', () => {
  it('creates a view from history and keeps it live as events arrive', async (t) => {
    const { app } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/channels/wiki/events', headers: json, payload: [edit('ann'), edit('bob'), edit('ann'), edit('bot9', true)] });
    const created = await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql: TOP } });
    assert.equal(created.statusCode, 201);
    assert.deepEqual(created.json(), { name: 'top', sql: TOP, channels: ['wiki'] });
    assert.deepEqual((await app.inject({ url: '/v1/views/top' })).json().rows, [{ user: 'ann', edits: 2 }, { user: 'bob', edits: 1 }]);
    await app.inject({ method: 'POST', url: '/v1/channels/wiki/events', headers: json, payload: [edit('cat'), edit('cat'), edit('cat')] });
    assert.deepEqual((await app.inject({ url: '/v1/views/top' })).json().rows, [{ user: 'cat', edits: 3 }, { user: 'ann', edits: 2 }]);
    assert.deepEqual((await app.inject({ url: '/v1/views' })).json(), { views: [{ name: 'top', sql: TOP, channels: ['wiki'] }] });
  });

  it('lets rows leave a sliding window as the clock moves', async (t) => {
    const { app, clock } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql: "CREATE VIEW recent AS SELECT count(*) AS n FROM wiki WHERE ts > now() - INTERVAL '1 minute'" } });
    await app.inject({ method: 'POST', url: '/v1/channels/wiki/events', headers: json, payload: [edit('a', false, -30_000), edit('b')] });
    assert.deepEqual((await app.inject({ url: '/v1/views/recent' })).json().rows, [{ n: 2 }]);
    clock.advance(40_000);
    assert.deepEqual((await app.inject({ url: '/v1/views/recent' })).json().rows, [{ n: 1 }]);
    clock.advance(30_000);
    assert.deepEqual((await app.inject({ url: '/v1/views/recent' })).json().rows, []);
  });

  it('answers the view as it was at a past time with ?asOf=, sliding window included', async (t) => {
    const { app } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/channels/wiki/events', headers: json, payload: [edit('ann', false, -120_000), edit('bob', false, -90_000), edit('bob', false, -10_000)] });
    await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql: TOP } });
    await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql: "CREATE VIEW recent AS SELECT count(*) AS n FROM wiki WHERE ts > now() - INTERVAL '1 minute'" } });
    const then = new Date(TEST_NOW - 60_000).toISOString();
    assert.deepEqual((await app.inject({ url: `/v1/views/top?asOf=${then}` })).json().rows, [{ user: 'ann', edits: 1 }, { user: 'bob', edits: 1 }]);
    assert.deepEqual((await app.inject({ url: `/v1/views/recent?asOf=${then}` })).json().rows, [{ n: 1 }], 'only bob at -90 s was within the minute before -60 s');
    assert.deepEqual((await app.inject({ url: '/v1/views/top?asOf=now-100s' })).json().rows, [{ user: 'ann', edits: 1 }]);
    assert.equal((await app.inject({ url: '/v1/views/top?asOf=yesterday' })).json().error.code, 'invalid_time');
  });

  it('joins two channels from history and live, now and as of a past time', async (t) => {
    const { app } = await startTestServer(t);
    const sql = 'CREATE VIEW paid AS SELECT o.data.customer AS customer, sum(p.data.amount) AS paid FROM orders o JOIN payments p ON p.data.order = o.data.id GROUP BY o.data.customer ORDER BY paid DESC';
    await app.inject({ method: 'POST', url: '/v1/channels/orders/events', headers: json, payload: [{ time: TEST_NOW - 5_000, data: { id: 1, customer: 'ann' } }, { time: TEST_NOW - 5_000, data: { id: 2, customer: 'bob' } }] });
    await app.inject({ method: 'POST', url: '/v1/channels/payments/events', headers: json, payload: [{ time: TEST_NOW - 4_000, data: { order: 1, amount: 30 } }] });
    const created = await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql } });
    assert.deepEqual(created.json().channels, ['orders', 'payments']);
    assert.deepEqual((await app.inject({ url: '/v1/views/paid' })).json().rows, [{ customer: 'ann', paid: 30 }]);
    await app.inject({ method: 'POST', url: '/v1/channels/payments/events', headers: json, payload: [{ data: { order: 2, amount: 50 } }, { data: { order: 9, amount: 1 } }] });
    await app.inject({ method: 'POST', url: '/v1/channels/orders/events', headers: json, payload: [{ data: { id: 1, customer: 'ann' } }] });
    assert.deepEqual((await app.inject({ url: '/v1/views/paid' })).json().rows, [{ customer: 'ann', paid: 60 }, { customer: 'bob', paid: 50 }], 'the second order 1 pairs with the earlier payment');
    assert.deepEqual((await app.inject({ url: `/v1/views/paid?asOf=${TEST_NOW - 1_000}` })).json().rows, [{ customer: 'ann', paid: 30 }]);
  });

  it('refuses a view whose channel cannot be read, and stores nothing of it', async (t) => {
    const { store } = await startTestServer(t);
    const failing: typeof store = {
      capabilities: store.capabilities, histogram: (c, r) => store.histogram(c, r), listChannels: () => store.listChannels(),
      getChannel: (name) => store.getChannel(name), ping: () => store.ping(), append: (c, e) => store.append(c, e), close: async () => {},
      scan: (request) => {
        if (request.channel === 'broken') throw new PlayheadError('store_unavailable', 'sqlite store could not scan channel broken: disk I/O error');
        return store.scan(request);
      },
    };
    const app = await buildServer({ store: failing, bus: new InProcessBus() });
    t.after(() => app.close());
    const refused = await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql: TOP.replace('FROM wiki', 'FROM broken') } });
    assert.deepEqual([refused.statusCode, refused.json().error.code, refused.json().error.message], [503, 'store_unavailable', 'sqlite store could not scan channel broken: disk I/O error']);
    assert.deepEqual((await app.inject({ url: '/v1/views' })).json().views, []);
    const restarted = await buildServer({ store, bus: new InProcessBus() });
    t.after(() => restarted.close());
    assert.deepEqual((await restarted.inject({ url: '/v1/views' })).json().views, [], 'nothing was recorded');
  });

  it('keeps definitions across a restart and forgets deleted ones', async (t) => {
    const { app, store } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/channels/wiki/events', headers: json, payload: [edit('ann')] });
    await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql: TOP } });
    await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql: TOP.replace('VIEW top', 'VIEW gone') } });
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/views/gone' })).statusCode, 204);
    const restarted = await buildServer({ store, bus: new InProcessBus() });
    t.after(() => restarted.close());
    assert.deepEqual((await restarted.inject({ url: '/v1/views' })).json().views.map((v: { name: string }) => v.name), ['top']);
    assert.deepEqual((await restarted.inject({ url: '/v1/views/top' })).json().rows, [{ user: 'ann', edits: 1 }]);
  });

  it('reserves playhead.* channels, and starts even when a stored definition no longer compiles', async (t) => {
    const { app, store } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql: TOP } });
    const refused = await app.inject({ method: 'POST', url: '/v1/channels/playhead.views/events', headers: json, payload: { data: 1 } });
    assert.deepEqual(refused.json().error, { code: 'invalid_channel', message: 'channel names starting with "playhead." are reserved for Playhead\'s own records: choose another name' });
    // A definition stored by an older version whose SQL this one refuses:
    await store.append('playhead.views', [normalizeEvent({ data: { action: 'create', name: 'broken', sql: 'CREATE VIEW broken AS SELECT * FROM wiki' } }, { now: TEST_NOW, maxEventBytes: 1 << 20 })]);
    const restarted = await buildServer({ store, bus: new InProcessBus() });
    t.after(() => restarted.close());
    assert.deepEqual((await restarted.inject({ url: '/v1/views' })).json().views.map((v: { name: string }) => v.name), ['top']);
  });

  it('answers bad SQL, duplicates and unknown views with their codes', async (t) => {
    const { app } = await startTestServer(t);
    const bad = await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql: 'CREATE VIEW v AS SELECT * FROM wiki' } });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json().error, { code: 'invalid_view', message: 'views do not support * (name the fields you need, e.g. data.user) (at index 24: "* FROM wiki")', position: 24 });
    await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql: TOP } });
    const again = await app.inject({ method: 'POST', url: '/v1/views', headers: json, payload: { sql: TOP } });
    assert.deepEqual([again.statusCode, again.json().error.code], [409, 'view_exists']);
    const missing = await app.inject({ url: '/v1/views/nope' });
    assert.deepEqual([missing.statusCode, missing.json().error.message], [404, 'no view named nope: create it with POST /v1/views']);
  });

  it('needs admin to create and read scope on the channel to read', async (t) => {
    const access = new AccessPolicy({ root: ['admin'], reader: ['read:wiki'], other: ['read:news'] });
    const { app } = await startTestServer(t, { access });
    const byReader = await app.inject({ method: 'POST', url: '/v1/views', headers: { ...json, authorization: 'Bearer reader' }, payload: { sql: TOP } });
    assert.equal(byReader.statusCode, 403);
    await app.inject({ method: 'POST', url: '/v1/views', headers: { ...json, authorization: 'Bearer root' }, payload: { sql: TOP } });
    assert.equal((await app.inject({ url: '/v1/views/top?token=reader' })).statusCode, 200);
    assert.equal((await app.inject({ url: '/v1/views/top?token=other' })).statusCode, 403);
    assert.deepEqual((await app.inject({ url: '/v1/views?token=other' })).json(), { views: [] });
  });
});
