import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { normalizeBatch } from '../../src/core/event.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import { openFeedStore, openStore } from '../../src/store/open-store.js';
import { DEMO_FEED_RULES } from '../../src/cli/demo-feed-rules.js';
import { startTestServer, TEST_NOW } from '../support/test-server.js';

const json = { 'content-type': 'application/json' };
const EXAMPLE = { channel: 'wikipedia', feed: 'user:{data.user}', id: 'data.id', time: 'ts', data: { title: 'data.title' }, maxItems: 50, deleteWhen: "data.type == 'delete'" };
const edit = (user: string, id: number, title: string, offsetMs: number, type = 'edit') => ({ time: TEST_NOW + offsetMs, id: `${type}${id}`, data: { user, id, title, type } });

/** Polls until `check` passes: rules write after the ingest that fed them commits. */
async function eventually(check: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await check();
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** A server on SQLite files that survive it, so a second one can start on the same data. */
async function fileServer(t: TestContext, folder: string) {
  const store = await openStore(`sqlite:${join(folder, 'events.db')}`);
  const feeds = await openFeedStore(`sqlite:${join(folder, 'events.db')}`);
  const app = await buildServer({ store, feeds, bus: new InProcessBus(), clock: new VirtualClock(TEST_NOW) });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await feeds.close();
    await store.close();
  };
  t.after(close);
  return { app, store, close };
}

describe('/v1/feeds/rules', () => {
  it('creates the issue example rule, fills feeds from history, then live, and deletes when the condition holds', async (t) => {
    const { app } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/channels/wikipedia/events', headers: json, payload: [edit('Ann', 1, 'Berlin', 1), edit('Bob', 2, 'Paris', 2), edit('Ann', 3, 'Rome', 3)] });
    const created = await app.inject({ method: 'POST', url: '/v1/feeds/rules', headers: json, payload: EXAMPLE });
    assert.equal(created.statusCode, 201, created.body);
    const { name } = created.json() as { name: string };
    assert.deepEqual(created.json(), { ...EXAMPLE, name });
    assert.deepEqual((await app.inject({ url: '/v1/feeds/user:Ann' })).json().items, [{ title: 'Rome' }, { title: 'Berlin' }], 'history is in when POST answers');
    assert.equal((await app.inject({ url: '/v1/feeds/user:Ann' })).json().maxItems, 50);
    await app.inject({ method: 'POST', url: '/v1/channels/wikipedia/events', headers: json, payload: [edit('Ann', 4, 'Oslo', 4), edit('Ann', 1, '', 5, 'delete')] });
    await eventually(async () => assert.deepEqual((await app.inject({ url: '/v1/feeds/user:Ann' })).json().items, [{ title: 'Oslo' }, { title: 'Rome' }]));
    assert.deepEqual((await app.inject({ url: '/v1/feeds/user:Bob' })).json().items, [{ title: 'Paris' }]);
    assert.deepEqual((await app.inject({ url: '/v1/feeds/rules' })).json(), { rules: [{ ...EXAMPLE, name }] });
    assert.equal((await app.inject({ method: 'DELETE', url: `/v1/feeds/rules/${name}` })).statusCode, 204);
    await app.inject({ method: 'POST', url: '/v1/channels/wikipedia/events', headers: json, payload: [edit('Bob', 9, 'Late', 9)] });
    assert.deepEqual((await app.inject({ url: '/v1/feeds/rules' })).json(), { rules: [] });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual((await app.inject({ url: '/v1/feeds/user:Bob' })).json().items, [{ title: 'Paris' }], 'a deleted rule fills nothing more');
    const missing = await app.inject({ method: 'DELETE', url: `/v1/feeds/rules/${name}` });
    assert.deepEqual([missing.statusCode, missing.json().error], [404, { code: 'unknown_rule', message: `no feed rule named ${name}: see GET /v1/feeds/rules` }]);
  });

  it('refuses a bad rule with invalid_rule and stores nothing', async (t) => {
    const { app } = await startTestServer(t);
    const reply = await app.inject({ method: 'POST', url: '/v1/feeds/rules', headers: json, payload: { ...EXAMPLE, deleteWhen: 'data.type ==' } });
    assert.equal(reply.statusCode, 400);
    assert.deepEqual(reply.json().error, { code: 'invalid_rule', message: 'deleteWhen: expected a path, a literal, "(" or "!" at index 12, got the end', position: 12 });
    assert.deepEqual((await app.inject({ url: '/v1/feeds/rules' })).json(), { rules: [] });
    const taken = await app.inject({ method: 'POST', url: '/v1/feeds/rules', headers: json, payload: { ...EXAMPLE, name: 'r' } });
    assert.equal(taken.statusCode, 201);
    const again = await app.inject({ method: 'POST', url: '/v1/feeds/rules', headers: json, payload: { ...EXAMPLE, name: 'r', maxItems: 5 } });
    assert.deepEqual([again.statusCode, again.json().error.code], [400, 'invalid_rule']);
  });

  it('keeps rules across a restart and catches up on what was written meanwhile, without adding anything twice', async (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'playhead-rules-'));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    const first = await fileServer(t, folder);
    await first.app.inject({ method: 'POST', url: '/v1/channels/wikipedia/events', headers: json, payload: [edit('Ann', 1, 'Berlin', 1), edit('Ann', 2, 'Paris', 2)] });
    await first.app.inject({ method: 'POST', url: '/v1/feeds/rules', headers: json, payload: { ...EXAMPLE, name: 'per-user' } });
    // A hand edit: had the rule replayed its history after the restart, this item would come back.
    const deleted = await first.app.inject({ method: 'DELETE', url: '/v1/feeds/user:Ann/items/1' });
    assert.deepEqual(deleted.json().items, [{ title: 'Paris' }]);
    await first.close();
    // Written while no server ran (as `playhead ingest` would), late events included.
    const events = normalizeBatch([edit('Ann', 3, 'Rome', 3), edit('Ann', 4, 'Early', -5_000)], { now: TEST_NOW, maxEventBytes: 1 << 20 });
    const store = await openStore(`sqlite:${join(folder, 'events.db')}`);
    await store.append('wikipedia', events);
    await store.close();
    const second = await fileServer(t, folder);
    assert.deepEqual((await second.app.inject({ url: '/v1/feeds/rules' })).json().rules.map((r: { name: string }) => r.name), ['per-user']);
    assert.deepEqual((await second.app.inject({ url: '/v1/feeds/user:Ann' })).json().items, [{ title: 'Rome' }, { title: 'Paris' }, { title: 'Early' }]);
  });

  it('creates the demo rules at start, once: per-user and per-wiki feeds of the wikipedia channel', async (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'playhead-demo-rules-'));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    const url = `sqlite:${join(folder, 'p.db')}`;
    const store = await openStore(url);
    const events = [
      { time: TEST_NOW, id: 'r1', data: { user: 'Ann Lee', wiki: 'enwiki', title: 'Berlin', type: 'edit', comment: 'typo' } },
      { time: TEST_NOW + 1, id: 'r2', data: { user: 'Bob', wiki: 'enwiki', title: 'Paris', type: 'new' } },
    ];
    await store.append('wikipedia', normalizeBatch(events, { now: TEST_NOW, maxEventBytes: 1 << 20 }));
    for (let start = 0; start < 2; start += 1) {
      const feeds = await openFeedStore(url);
      const app = await buildServer({ store, feeds, bus: new InProcessBus(), clock: new VirtualClock(TEST_NOW), feedRules: DEMO_FEED_RULES });
      assert.deepEqual((await app.inject({ url: '/v1/feeds/rules' })).json().rules.map((r: { name: string }) => r.name), ['demo.wikipedia.per-user', 'demo.wikipedia.per-wiki']);
      assert.deepEqual((await app.inject({ url: '/v1/feeds/user:Ann_Lee' })).json().items, [{ title: 'Berlin', wiki: 'enwiki', type: 'edit', comment: 'typo' }]);
      assert.deepEqual((await app.inject({ url: '/v1/feeds/wiki:enwiki' })).json().items, [{ title: 'Paris', user: 'Bob', type: 'new' }, { title: 'Berlin', user: 'Ann Lee', type: 'edit' }]);
      await app.close();
      await feeds.close();
    }
    await store.close();
  });
});
