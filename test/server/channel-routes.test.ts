import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer, TEST_NOW } from '../support/test-server.js';

const json = { 'content-type': 'application/json' };

describe('POST /v1/channels/:channel/events', () => {
  it('accepts one event, an array and NDJSON, and replies after the commit with the seq range', async (t) => {
    const { app, store } = await startTestServer(t);
    const one = await app.inject({ method: 'POST', url: '/v1/channels/wiki/events', headers: json, payload: { time: '2016-01-15T14:32:24Z', data: { a: 1 } } });
    assert.equal(one.statusCode, 201);
    assert.deepEqual(one.json(), { accepted: 1, duplicates: 0, firstSeq: 1, lastSeq: 1 });
    const many = await app.inject({ method: 'POST', url: '/v1/channels/wiki/events', headers: json, payload: [{ data: 1 }, { time: 1452868344000, data: 2 }] });
    assert.deepEqual(many.json(), { accepted: 2, duplicates: 0, firstSeq: 2, lastSeq: 3 });
    const ndjson = await app.inject({
      method: 'POST', url: '/v1/channels/wiki/events', headers: { 'content-type': 'application/x-ndjson' },
      payload: '{"data":"x","id":"k1"}\n\n{"data":"y","time":"now-15m"}\n',
    });
    assert.deepEqual(ndjson.json(), { accepted: 2, duplicates: 0, firstSeq: 4, lastSeq: 5 });
    const events = [];
    for await (const page of store.scan({ channel: 'wiki', order: 'asc', start: TEST_NOW - 3_600_000 })) events.push(...page);
    assert.deepEqual(events.map((e) => [e.ts, e.data]), [[TEST_NOW - 900_000, 'y'], [TEST_NOW, 1], [TEST_NOW, 'x']]);
  });

  it('stores an id once: a retried batch reports duplicates and writes nothing new', async (t) => {
    const { app } = await startTestServer(t);
    const batch = [{ id: 'a', data: 1 }, { id: 'b', data: 2 }];
    await app.inject({ method: 'POST', url: '/v1/channels/c/events', headers: json, payload: batch });
    const retry = await app.inject({ method: 'POST', url: '/v1/channels/c/events', headers: json, payload: batch });
    assert.equal(retry.statusCode, 200);
    assert.deepEqual(retry.json(), { accepted: 0, duplicates: 2, firstSeq: null, lastSeq: null });
  });

  it('rejects a batch with one invalid event whole, naming its index, and writes nothing', async (t) => {
    const { app, store } = await startTestServer(t);
    const reply = await app.inject({
      method: 'POST', url: '/v1/channels/c/events', headers: json,
      payload: [{ data: 1 }, { data: 2 }, { time: '2016-13-01', data: 3 }],
    });
    assert.equal(reply.statusCode, 400);
    assert.deepEqual(reply.json(), {
      error: { code: 'invalid_time', message: 'event 2: time names a date or time that does not exist, got "2016-13-01"', index: 2 },
    });
    assert.equal(await store.getChannel('c'), undefined);
  });

  it('names the bad NDJSON line and its position', async (t) => {
    const { app } = await startTestServer(t);
    const reply = await app.inject({
      method: 'POST', url: '/v1/channels/c/events', headers: { 'content-type': 'application/x-ndjson' },
      payload: '{"data":1}\n{"data":2,}\n',
    });
    assert.equal(reply.statusCode, 400);
    const { error } = reply.json();
    assert.equal(error.code, 'invalid_json');
    assert.equal(error.index, 1);
    assert.match(error.message, /^line 2 \(event 1\) is not valid JSON/);
  });

  it('rejects bad JSON, unknown fields, missing data, bad ids and bad channel names with their codes', async (t) => {
    const { app } = await startTestServer(t);
    const post = (url: string, payload: string) => app.inject({ method: 'POST', url, headers: json, payload });
    const cases: [string, string, number, string, string][] = [
      ['/v1/channels/c/events', '{"data": ', 400, 'invalid_json', 'body is not valid JSON'],
      ['/v1/channels/c/events', '{"timestamp": 1, "data": 1}', 400, 'invalid_event', 'event 0: unknown field "timestamp": an event has only "time", "id" and "data"'],
      ['/v1/channels/c/events', '{"time": 1}', 400, 'invalid_event', 'event 0: field "data" is required (any JSON value, null included)'],
      ['/v1/channels/c/events', '{"id": 7, "data": 1}', 400, 'invalid_event', 'event 0: field "id" must be a string of 1-256 characters, got 7'],
      ['/v1/channels/c/events', '{"id": "a\\u0000b", "data": 1}', 400, 'invalid_event', 'event 0: field "id" must not contain the NUL character (\\u0000)'],
      ['/v1/channels/c/events', '[1]', 400, 'invalid_event', 'event 0: an event must be an object like {"time": …, "data": …}, got 1'],
      ['/v1/channels/bad%20name/events', '{"data": 1}', 400, 'invalid_channel', 'channel name must be 1-128 characters of A-Z a-z 0-9 . _ : -, got "bad name"'],
    ];
    for (const [url, payload, status, code, message] of cases) {
      const reply = await post(url, payload);
      assert.equal(reply.statusCode, status, payload);
      assert.equal(reply.json().error.code, code, payload);
      assert.ok(reply.json().error.message.startsWith(message), `${payload}: ${reply.json().error.message}`);
    }
  });

  it('enforces body, event and batch limits with 413 and a message naming the limit', async (t) => {
    const { app } = await startTestServer(t, { limits: { maxBodyBytes: 2_000, maxEventBytes: 100, maxBatchEvents: 3 } });
    const body = await app.inject({ method: 'POST', url: '/v1/channels/c/events', headers: json, payload: { data: 'x'.repeat(3_000) } });
    assert.equal(body.statusCode, 413);
    assert.deepEqual(body.json().error, {
      code: 'payload_too_large', message: 'body is over the limit of 2000 bytes: send smaller batches or raise --max-body-bytes',
    });
    const event = await app.inject({ method: 'POST', url: '/v1/channels/c/events', headers: json, payload: [{ data: 1 }, { data: 'y'.repeat(200) }] });
    assert.equal(event.statusCode, 413);
    assert.deepEqual(event.json().error, { code: 'payload_too_large', message: 'event 1: event data is 202 bytes of JSON, over the limit of 100', index: 1 });
    const batch = await app.inject({ method: 'POST', url: '/v1/channels/c/events', headers: json, payload: [{ data: 1 }, { data: 2 }, { data: 3 }, { data: 4 }] });
    assert.equal(batch.statusCode, 413);
    assert.equal(batch.json().error.message, 'batch has 4 events, over the limit of 3: split it');
  });

  it('refuses a body without a JSON content type with 415', async (t) => {
    const { app } = await startTestServer(t);
    const reply = await app.inject({ method: 'POST', url: '/v1/channels/c/events', headers: { 'content-type': 'text/plain' }, payload: '{"data":1}' });
    assert.equal(reply.statusCode, 415);
    assert.equal(reply.json().error.code, 'unsupported_media_type');
  });

  it('keeps __proto__ and constructor as plain data and channel names', async (t) => {
    const { app } = await startTestServer(t);
    const payload = '{"data": {"__proto__": {"admin": true}, "constructor": {"prototype": 1}}}';
    const write = await app.inject({ method: 'POST', url: '/v1/channels/__proto__/events', headers: json, payload });
    assert.equal(write.statusCode, 201);
    const read = await app.inject({ url: '/v1/channels/__proto__/events' });
    assert.equal(JSON.stringify(read.json().events[0].data), '{"__proto__":{"admin":true},"constructor":{"prototype":1}}');
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });
});

describe('GET /v1/channels/:channel/events', () => {
  async function seeded(t: Parameters<typeof startTestServer>[0], count: number) {
    const server = await startTestServer(t);
    const payload = Array.from({ length: count }, (_, i) => ({ time: TEST_NOW + Math.floor(i / 2) * 1000, data: i }));
    await server.app.inject({ method: 'POST', url: '/v1/channels/c/events', headers: json, payload });
    return server;
  }

  it('returns events in (ts, seq) order over [start, end) with ISO time beside ts', async (t) => {
    const { app } = await seeded(t, 6);
    const reply = await app.inject({ url: `/v1/channels/c/events?start=${TEST_NOW + 1000}&end=2026-01-01T00:00:02Z` });
    assert.deepEqual(reply.json(), {
      events: [
        { channel: 'c', seq: 3, ts: TEST_NOW + 1000, time: '2026-01-01T00:00:01.000Z', id: null, data: 2 },
        { channel: 'c', seq: 4, ts: TEST_NOW + 1000, time: '2026-01-01T00:00:01.000Z', id: null, data: 3 },
      ],
      next: null,
    });
  });

  it('pages with a cursor that never skips or repeats, in both orders, while events are appended', async (t) => {
    const { app } = await seeded(t, 25);
    let appended = 0;
    for (const order of ['asc', 'desc']) {
      const seen: number[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const suffix: string = cursor === '' ? '' : `&cursor=${cursor}`;
        const page = (await app.inject({ url: `/v1/channels/c/events?limit=4&order=${order}${suffix}` })).json();
        seen.push(...page.events.map((e: { data: number }) => e.data));
        cursor = page.next;
        // A concurrent producer appends late and future events between pages.
        await app.inject({ method: 'POST', url: '/v1/channels/c/events', headers: json, payload: [{ time: TEST_NOW - 5_000, data: 1000 + appended }, { time: TEST_NOW + 99_000, data: 2000 + appended }] });
        appended += 1;
      }
      const original = seen.filter((d) => d < 1000);
      assert.equal(new Set(seen).size, seen.length, `${order}: no repeats`);
      assert.deepEqual([...original].sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i), `${order}: no skips`);
    }
  });

  it('rejects bad times, limits, orders and cursors with their codes', async (t) => {
    const { app } = await seeded(t, 3);
    const cases: [string, string, string][] = [
      ['start=yesterday', 'invalid_time', 'start is not ISO-8601 (like 2016-01-15T14:32:24Z), epoch ms, "now" or "now-15m" (at index 0), got "yesterday"'],
      ['end=now-5x', 'invalid_duration', 'end expected a unit (ms, s, m, h, d) (at index 1), got "5x"'],
      ['limit=0', 'invalid_parameter', 'querystring/limit must be >= 1'],
      ['order=up', 'invalid_parameter', 'querystring/order must be equal to one of the allowed values'],
      ['cursor=abc', 'invalid_cursor', 'cursor is not one this server issued: pass the "next" value of the previous page unchanged'],
      ['colour=red', 'invalid_parameter', 'querystring must NOT have additional properties'],
    ];
    for (const [query, code, message] of cases) {
      const reply = await app.inject({ url: `/v1/channels/c/events?${query}` });
      assert.equal(reply.statusCode, 400, query);
      assert.equal(reply.json().error.code, code, query);
      assert.equal(reply.json().error.message, message, query);
    }
  });

  it('answers 404 unknown_channel for a channel without events', async (t) => {
    const { app } = await startTestServer(t);
    const reply = await app.inject({ url: '/v1/channels/ghost/events' });
    assert.equal(reply.statusCode, 404);
    assert.deepEqual(reply.json().error, { code: 'unknown_channel', message: 'channel ghost has no events: write some with POST /v1/channels/ghost/events' });
  });
});

describe('GET /v1/channels and /histogram and /healthz', () => {
  it('lists channels with count, first and last time', async (t) => {
    const { app } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/channels/b/events', headers: json, payload: [{ time: 1000, data: 1 }, { time: 3000, data: 2 }] });
    const reply = await app.inject({ url: '/v1/channels' });
    assert.deepEqual(reply.json(), {
      channels: [{ name: 'b', count: 2, firstTs: 1000, lastTs: 3000, firstTime: '1970-01-01T00:00:01.000Z', lastTime: '1970-01-01T00:00:03.000Z', lastSeq: 2 }],
    });
  });

  it('counts events per bucket, over the whole channel by default', async (t) => {
    const { app } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/channels/h/events', headers: json, payload: [0, 1, 2, 3, 4, 5, 6, 7].map((s) => ({ time: TEST_NOW + s * 1000, data: s })) });
    const whole = (await app.inject({ url: '/v1/channels/h/histogram?buckets=2' })).json();
    assert.deepEqual(whole.counts, [4, 4]);
    const window = (await app.inject({ url: `/v1/channels/h/histogram?start=${TEST_NOW}&end=${TEST_NOW + 8000}&buckets=4` })).json();
    assert.deepEqual(window, { channel: 'h', start: TEST_NOW, end: TEST_NOW + 8000, bucketMs: 2000, resolutionMs: 1000, counts: [2, 2, 2, 2] });
    const bad = await app.inject({ url: '/v1/channels/h/histogram?buckets=100000' });
    assert.equal(bad.json().error.code, 'invalid_parameter');
  });

  it('answers health when the store is reachable, 503 when it is not', async (t) => {
    const { app, store } = await startTestServer(t);
    assert.deepEqual((await app.inject({ url: '/healthz' })).json(), { status: 'ok' });
    const inner = store as unknown as { ping(): Promise<void> };
    const { PlayheadError } = await import('../../src/core/errors.js');
    inner.ping = async () => {
      throw new PlayheadError('store_unavailable', 'sqlite store could not ping: disk I/O error');
    };
    const down = await app.inject({ url: '/healthz' });
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().error.code, 'store_unavailable');
  });

  it('answers unknown routes with 404 not_found', async (t) => {
    const { app } = await startTestServer(t);
    const reply = await app.inject({ url: '/v2/nothing?x=1' });
    assert.equal(reply.statusCode, 404);
    assert.deepEqual(reply.json().error, { code: 'not_found', message: 'no route for GET /v2/nothing: see docs/protocol.md' });
  });
});
