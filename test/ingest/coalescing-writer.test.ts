/**
 * Group commit on the write path, over the real stores: batches that come
 * while an append to their channel is in flight share the next append, and
 * each caller is answered for its own events as if it had gone alone.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import type { NewEvent } from '../../src/core/event.js';
import { CoalescingWriter } from '../../src/ingest/coalescing-writer.js';
import type { EventStore, EventWriter } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../support/services.js';
import { collect, event } from '../store/conformance.js';

const T0 = Date.UTC(2018, 2, 7, 16, 16, 17);
const postgresSkip = await serviceSkip('PostgreSQL', POSTGRES_TEST_URL);

/** The store, counting the appends that reach it. */
function counted(store: EventStore): EventWriter & { readonly appends: number[] } {
  const appends: number[] = [];
  return { appends, append: (channel, events) => (appends.push(events.length), store.append(channel, events)) };
}

/** A fresh store, closed (and its PostgreSQL schema dropped) after the test. */
type OpenFresh = (t: { after(fn: () => Promise<void>): void }) => Promise<EventStore>;

const openSqlite: OpenFresh = async (t) => {
  const store = await openStore('sqlite::memory:');
  t.after(() => store.close());
  return store;
};

const openPostgres: OpenFresh = async (t) => {
  const schema = `playhead_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const store = await openStore(`${POSTGRES_TEST_URL}?schema=${schema}`);
  t.after(async () => {
    await store.close();
    const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });
  return store;
};

const STORES = [
  { name: 'sqlite', skip: false, open: openSqlite },
  { name: 'postgres', skip: postgresSkip, open: openPostgres },
] as const;

for (const { name, skip, open } of STORES) {
  describe(`CoalescingWriter (${name})`, { skip }, () => {
    it('appends the batches that came during an append as one, answering each caller for its own events', async (t) => {
      const store = await open(t);
      const writer = counted(store);
      const coalescing = new CoalescingWriter(writer);
      await store.append('c', [event(T0, 'stored', 'x')]);
      const batches: NewEvent[][] = [
        [event(T0 + 1, 'a1')],
        [event(T0 + 2, 'b1', 'x'), event(T0 + 3, 'b2', 'y')],
        [event(T0 + 4, 'c1', 'y'), event(T0 + 5, 'c2')],
        [event(T0 + 6, 'd1', 'z')],
      ];
      const results = await Promise.all(batches.map((batch) => coalescing.append('c', batch)));
      assert.deepEqual(writer.appends, [1, 5], 'the first alone; the three that came meanwhile together');
      assert.deepEqual(results.map(({ accepted, duplicates, firstSeq, lastSeq }) => ({ accepted, duplicates, firstSeq, lastSeq })), [
        { accepted: 1, duplicates: 0, firstSeq: 2, lastSeq: 2 },
        { accepted: 1, duplicates: 1, firstSeq: 3, lastSeq: 3 },
        { accepted: 1, duplicates: 1, firstSeq: 4, lastSeq: 4 },
        { accepted: 1, duplicates: 0, firstSeq: 5, lastSeq: 5 },
      ]);
      assert.deepEqual(results.map((result) => result.stored.map((e) => e.data)), [['a1'], ['b2'], ['c2'], ['d1']]);
      const all = await collect(store, { channel: 'c', order: 'asc' });
      assert.deepEqual(all.map((e) => e.data), ['stored', 'a1', 'b2', 'c2', 'd1']);
    });

    it('when a shared append fails, appends each batch alone: only the batch the store refuses fails', async (t) => {
      const store = await open(t);
      const refused = 'r1';
      const coalescing = new CoalescingWriter({
        append: async (channel, events) => {
          if (events.some((e) => e.data === refused)) throw new Error('the store refused');
          return store.append(channel, events);
        },
      });
      const outcomes = await Promise.allSettled([
        coalescing.append('c', [event(T0, 'first')]),
        coalescing.append('c', [event(T0 + 1, 'ok1')]),
        coalescing.append('c', [event(T0 + 2, refused)]),
        coalescing.append('c', [event(T0 + 3, 'ok2')]),
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      assert.deepEqual((await collect(store, { channel: 'c', order: 'asc' })).map((e) => [e.seq, e.data]), [[1, 'first'], [2, 'ok1'], [3, 'ok2']]);
    });
  });
}
