/**
 * The conformance suite every EventStore adapter runs (STYLE "one conformance
 * suite per interface"). `open` must return a new, empty store; `skip` names
 * cases an adapter cannot meet, each with its reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeEvent, type NewEvent, type StoredEvent } from '../../src/core/event.js';
import type { EventStore, ScanRequest } from '../../src/store/event-store.js';
import { isSeqLog } from '../../src/store/seq-log.js';

export interface ConformanceOptions {
  readonly name: string;
  readonly open: () => Promise<EventStore>;
  readonly skip?: Readonly<Record<string, string>>;
}

const T0 = Date.UTC(2018, 2, 7, 16, 16, 17);
const LIMITS = { maxEventBytes: 1 << 20, now: T0 };

export function event(ts: number, data: unknown = null, id?: string): NewEvent {
  return normalizeEvent(id === undefined ? { time: ts, data } : { time: ts, data, id }, LIMITS);
}

export async function collect(store: EventStore, request: ScanRequest): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for await (const page of store.scan(request)) all.push(...page);
  return all;
}

const positions = (events: readonly StoredEvent[]) => events.map((e) => [e.ts, e.seq]);

export function runEventStoreConformance({ name, open, skip = {} }: ConformanceOptions): void {
  const test = (title: string, body: (store: EventStore) => Promise<void>) =>
    it(title, { skip: skip[title], timeout: 20_000 }, async (t) => {
      const store = await open();
      t.after(() => store.close());
      await body(store);
    });

  describe(`EventStore conformance: ${name}`, () => {
    describe('#append', () => {
      test('assigns strictly increasing seq starting at 1 and reports the range', async (store) => {
        const result = await store.append('a', [event(T0), event(T0 + 1), event(T0 + 2)]);
        assert.equal(result.accepted, 3);
        assert.equal(result.duplicates, 0);
        assert.equal(result.firstSeq, 1);
        assert.equal(result.lastSeq, 3);
        const next = await store.append('a', [event(T0 + 3)]);
        assert.equal(next.firstSeq, 4);
        assert.deepEqual(next.stored.map((e) => [e.channel, e.seq, e.ts]), [['a', 4, T0 + 3]]);
      });

      test('stores an id once per channel, across and within batches, without using a seq', async (store) => {
        await store.append('a', [event(T0, 1, 'x')]);
        const result = await store.append('a', [event(T0, 2, 'x'), event(T0, 3, 'y'), event(T0, 4, 'y'), event(T0, 5)]);
        assert.equal(result.accepted, 2);
        assert.equal(result.duplicates, 2);
        assert.deepEqual([result.firstSeq, result.lastSeq], [2, 3]);
        const other = await store.append('b', [event(T0, 6, 'x')]);
        assert.equal(other.accepted, 1, 'ids are unique per channel, not globally');
        const stored = await collect(store, { channel: 'a', order: 'asc' });
        assert.deepEqual(stored.map((e) => [e.seq, e.id, e.data]), [[1, 'x', 1], [2, 'y', 3], [3, null, 5]]);
      });

      test('answers an all-duplicate batch with no seq range', async (store) => {
        await store.append('a', [event(T0, 1, 'x')]);
        const result = await store.append('a', [event(T0, 1, 'x')]);
        assert.deepEqual([result.accepted, result.duplicates, result.firstSeq, result.lastSeq], [0, 1, null, null]);
      });

      test('round-trips any JSON value exactly', async (store) => {
        const values: unknown[] = [null, 0, -1.5, 'héllo ✓', true, [1, [2]], { a: { b: [null] } }, { ['__proto__']: { polluted: true }, constructor: 1 }, 'nul\u0000byte'];
        await store.append('a', values.map((v, i) => event(T0 + i, v)));
        const stored = await collect(store, { channel: 'a', order: 'asc' });
        assert.deepEqual(stored.map((e) => JSON.stringify(e.data)), values.map((v) => JSON.stringify(v)));
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
      });

      test('gives concurrent appends to one channel distinct seqs and loses none', async (store) => {
        const batches = Array.from({ length: 8 }, (_, b) => Array.from({ length: 50 }, (_, i) => event(T0 + i, b * 100 + i, `${b}-${i}`)));
        const results = await Promise.all(batches.map((batch) => store.append('a', batch)));
        assert.equal(results.reduce((n, r) => n + r.accepted, 0), 400);
        const seqs = (await collect(store, { channel: 'a', order: 'asc' })).map((e) => e.seq).sort((x, y) => x - y);
        assert.deepEqual(seqs, Array.from({ length: 400 }, (_, i) => i + 1));
      });
    });

    describe('#scan', () => {
      test('returns (ts, seq) order with late events in place, and its reverse', async (store) => {
        await store.append('a', [event(T0 + 20), event(T0 + 10), event(T0 + 20), event(T0)]);
        const asc = await collect(store, { channel: 'a', order: 'asc' });
        assert.deepEqual(positions(asc), [[T0, 4], [T0 + 10, 2], [T0 + 20, 1], [T0 + 20, 3]]);
        const desc = await collect(store, { channel: 'a', order: 'desc' });
        assert.deepEqual(positions(desc), positions(asc).reverse());
      });

      test('bounds the window to [start, end)', async (store) => {
        await store.append('a', [0, 1, 2, 3, 4].map((i) => event(T0 + i * 1000)));
        const window = await collect(store, { channel: 'a', order: 'asc', start: T0 + 1000, end: T0 + 3000 });
        assert.deepEqual(window.map((e) => e.ts), [T0 + 1000, T0 + 2000]);
        const back = await collect(store, { channel: 'a', order: 'desc', start: T0 + 1000, end: T0 + 3000 });
        assert.deepEqual(back.map((e) => e.ts), [T0 + 2000, T0 + 1000]);
      });

      test('pages by pageSize and resumes strictly after a position in either order', async (store) => {
        await store.append('a', Array.from({ length: 25 }, (_, i) => event(T0 + Math.floor(i / 3))));
        const pages: number[] = [];
        for await (const page of store.scan({ channel: 'a', order: 'asc', pageSize: 10 })) pages.push(page.length);
        assert.deepEqual(pages, [10, 10, 5]);
        const all = await collect(store, { channel: 'a', order: 'asc' });
        const middle = all[11]!;
        const rest = await collect(store, { channel: 'a', order: 'asc', after: middle });
        assert.deepEqual(positions(rest), positions(all.slice(12)));
        const before = await collect(store, { channel: 'a', order: 'desc', after: middle });
        assert.deepEqual(positions(before), positions(all.slice(0, 11)).reverse());
      });

      test('keeps only seq <= maxSeq when asked', async (store) => {
        await store.append('a', [event(T0 + 5), event(T0), event(T0 + 1)]);
        const upTo2 = await collect(store, { channel: 'a', order: 'asc', maxSeq: 2 });
        assert.deepEqual(positions(upTo2), [[T0, 2], [T0 + 5, 1]]);
      });

      test('yields nothing for an unknown channel', async (store) => {
        assert.deepEqual(await collect(store, { channel: 'nope', order: 'asc' }), []);
      });

      test('releases its cursor when the consumer breaks early', async (store) => {
        await store.append('a', Array.from({ length: 50 }, (_, i) => event(T0 + i)));
        for (let round = 0; round < 40; round += 1) {
          for await (const page of store.scan({ channel: 'a', order: 'asc', pageSize: 5 })) {
            assert.equal(page.length, 5);
            break;
          }
        }
        assert.equal((await store.getChannel('a'))?.count, 50);
      });
    });

    describe('#readSince', () => {
      test('reads the log in append order after a seq, late events in their seq place, in bounded pages', async (store) => {
        assert.ok(isSeqLog(store), 'the store declares capabilities.readsSince and has readSince (or the adapter skips this case)');
        await store.append('a', [event(T0 + 20, 1), event(T0, 2), event(T0 + 10, 3)]);
        await store.append('b', [event(T0, 9)]);
        await store.append('a', [event(T0 - 5, 4)]);
        assert.deepEqual((await store.readSince('a', 1, 10)).map((e) => [e.channel, e.seq, e.ts, e.data]), [['a', 2, T0, 2], ['a', 3, T0 + 10, 3], ['a', 4, T0 - 5, 4]]);
        assert.deepEqual((await store.readSince('a', 0, 2)).map((e) => e.seq), [1, 2]);
        assert.deepEqual(await store.readSince('a', 4, 10), []);
        assert.deepEqual(await store.readSince('never', 0, 10), []);
      });
    });

    describe('#listChannels and #getChannel', () => {
      test('report count, first and last ts and the live position', async (store) => {
        await store.append('b', [event(T0 + 7), event(T0 + 3, null, 'k'), event(T0 + 3, null, 'k')]);
        await store.append('a', [event(T0)]);
        assert.deepEqual(await store.getChannel('b'), { name: 'b', count: 2, firstTs: T0 + 3, lastTs: T0 + 7, lastSeq: 2 });
        assert.equal(await store.getChannel('missing'), undefined);
        assert.deepEqual((await store.listChannels()).map((c) => [c.name, c.count]), [['a', 1], ['b', 2]]);
      });

      test('treats hostile names as plain names', async (store) => {
        await store.append('__proto__', [event(T0)]);
        await store.append('constructor', [event(T0)]);
        assert.equal((await store.getChannel('__proto__'))?.count, 1);
        assert.equal(await store.getChannel('toString'), undefined);
      });
    });

    describe('#histogram', () => {
      test('counts events per bucket over [start, end) at second resolution', async (store) => {
        const times = [0, 100, 999, 1000, 2500, 5999, 6000].map((ms) => event(T0 + ms));
        await store.append('a', times);
        const histogram = await store.histogram('a', { start: T0, end: T0 + 6000, buckets: 3 });
        assert.deepEqual(histogram.counts, [4, 1, 1]);
        assert.equal(histogram.bucketMs, 2000);
        assert.equal(histogram.resolutionMs, 1000);
      });

      test('counts exactly when buckets are shorter than a second', async (store) => {
        await store.append('a', [0, 10, 260, 499, 500, 999].map((ms) => event(T0 + ms)));
        const histogram = await store.histogram('a', { start: T0, end: T0 + 1000, buckets: 4 });
        assert.deepEqual(histogram.counts, [2, 2, 1, 1]);
        assert.equal(histogram.resolutionMs, 1);
      });

      test('uses coarser counts for long windows and still sums every event', async (store) => {
        const hour = 3_600_000;
        await store.append('a', Array.from({ length: 48 }, (_, i) => event(T0 - (T0 % hour) + i * hour)));
        const start = T0 - (T0 % hour);
        const histogram = await store.histogram('a', { start, end: start + 48 * hour, buckets: 4 });
        assert.deepEqual(histogram.counts, [12, 12, 12, 12]);
        assert.ok(histogram.resolutionMs >= 60_000);
      });

      test('answers zeros for a channel or window without events', async (store) => {
        const histogram = await store.histogram('none', { start: T0, end: T0 + 10_000, buckets: 5 });
        assert.deepEqual(histogram.counts, [0, 0, 0, 0, 0]);
      });
    });

    describe('lifecycle', () => {
      test('answers ping', async (store) => {
        await store.ping();
      });

      test('closes idempotently and refuses use after close with a clear error', async (store) => {
        await store.close();
        await store.close();
        await assert.rejects(store.listChannels(), { message: /store is closed/ });
      });
    });
  });
}
