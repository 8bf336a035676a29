/**
 * The PostgreSQL store: the conformance suite (one fresh schema per store) and what only PostgreSQL
 * has: the pinned row-form seek and its index plan, concurrent migrations, pools and driver failures.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import type { EventStore, SeqLog } from '../../src/store/event-store.js';
import { ManagedStore } from '../../src/store/managed-store.js';
import type {
  PostgresPool, PostgresQuery, PostgresQueryResult, PostgresSubmittable,
} from '../../src/store/postgres/postgres-config.js';
import { postgresStatements, quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { POSTGRES_TEST_URL, serviceSkip, storeSelected } from '../support/services.js';
import { collect, event, runEventStoreConformance } from './conformance.js';

const T0 = Date.UTC(2018, 2, 7, 16, 16, 17);

// storeSelected first: under CI=true serviceSkip throws when PostgreSQL is absent, even for a filtered-out store.
const skip = storeSelected('postgres')
  ? await serviceSkip('PostgreSQL', POSTGRES_TEST_URL)
  : 'PLAYHEAD_TEST_STORES does not include postgres';

/** Fresh schema per store, so tests share the database without seeing each other's rows. */
function uniqueSchema(label = 'playhead_test'): string {
  return `${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

describe('PostgresStore against a server', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 2 });
  after(() => admin.end());

  const dropSchema = async (schema: string) => {
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  };

  /** The store the conformance suite gets: the project's lifecycle wrapper around a store whose close also drops its schema. */
  async function openScoped(): Promise<EventStore> {
    const schema = uniqueSchema();
    const store = await PostgresStore.open({ connectionString: POSTGRES_TEST_URL, schema });
    const scoped: EventStore & SeqLog = {
      capabilities: store.capabilities,
      scan: (request) => store.scan(request),
      histogram: (channel, request) => store.histogram(channel, request),
      listChannels: () => store.listChannels(),
      getChannel: (name) => store.getChannel(name),
      ping: () => store.ping(),
      append: (channel, events) => store.append(channel, events),
      readSince: (channel: string, afterSeq: number, limit: number) => store.readSince(channel, afterSeq, limit),
      close: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
    return new ManagedStore(scoped, 'postgres');
  }

  runEventStoreConformance({ name: 'postgres', open: openScoped });

  describe('PostgresStore.open', () => {
    it('migrates once when two stores open the same schema at once', async (t) => {
      const schema = uniqueSchema();
      t.after(() => dropSchema(schema));
      const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open({ connectionString: POSTGRES_TEST_URL, schema })));
      t.after(() => Promise.all(stores.map((store) => store.close())));
      const { rows } = await admin.query(`SELECT version FROM ${quoteIdentifier(schema)}.playhead_migrations ORDER BY version`);
      assert.deepEqual(rows, [{ version: 1 }]);
      await stores[0]?.append('a', [event(T0)]);
      assert.equal((await stores[2]?.getChannel('a'))?.count, 1);
    });

    it('quotes the schema name as one identifier', async (t) => {
      const schema = uniqueSchema('Play "head"; DROP TABLE x; --');
      t.after(() => dropSchema(schema));
      const store = await PostgresStore.open({ connectionString: POSTGRES_TEST_URL, schema });
      t.after(() => store.close());
      await store.append('a', [event(T0, { k: 1 })]);
      assert.deepEqual((await collect(store, { channel: 'a', order: 'asc' })).map((e) => e.data), [{ k: 1 }]);
      const { rows } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      assert.equal(rows.length, 1);
    });

    it('uses a given pool, leaves it open at close and leaves its type parsers alone', async (t) => {
      const schema = uniqueSchema();
      t.after(() => dropSchema(schema));
      const pool = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 2 });
      t.after(() => pool.end());
      const given: PostgresPool = pool;
      const store = await PostgresStore.open({ pool: given, schema });
      await store.append('a', [event(T0)]);
      assert.equal((await store.getChannel('a'))?.lastSeq, 1);
      await store.close();
      const { rows } = await pool.query('SELECT 1::int8 AS n');
      assert.deepEqual(rows, [{ n: '1' }], 'pg still returns int8 as a string to the caller');
    });

    it('reports an unreachable server as store_unavailable, naming what failed', async () => {
      await assert.rejects(PostgresStore.open({ connectionString: 'postgres://postgres:secret@127.0.0.1:1/test' }), (error: Error) => {
        assert.equal(error.name, 'PlayheadError');
        assert.equal((error as { code?: string }).code, 'store_unavailable');
        assert.equal(error.message, 'postgres store could not migrate schema "public" at 127.0.0.1:1/test: connect ECONNREFUSED 127.0.0.1:1');
        assert.ok(error.cause instanceof Error);
        return true;
      });
    });

    it('rejects a config without a connection, or with a bad schema, at once', async () => {
      await assert.rejects(PostgresStore.open({}), { name: 'TypeError', message: 'PostgresStoreConfig needs exactly one of connectionString or pool' });
      await assert.rejects(PostgresStore.open({ connectionString: POSTGRES_TEST_URL, schema: '' }), {
        name: 'RangeError', message: 'PostgresStoreConfig.schema must be 1-63 bytes without NUL, got ""',
      });
    });
  });

  describe('PostgresStore #ping', () => {
    it('reports a pool ended under it as store_unavailable', async () => {
      const schema = uniqueSchema();
      const pool = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
      const store = await PostgresStore.open({ pool, schema });
      await dropSchema(schema);
      await pool.end();
      await assert.rejects(store.ping(), {
        name: 'PlayheadError', code: 'store_unavailable', message: 'postgres store could not ping: Cannot use a pool after calling end on the pool',
      });
    });
  });

  describe('PostgresStore #append', () => {
    it('writes nothing of a batch whose transaction fails, and returns its connection', async (t) => {
      const schema = uniqueSchema();
      t.after(() => dropSchema(schema));
      const pool = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 2 });
      t.after(() => pool.end());
      // A connection lost after the events were inserted: the failure the API cannot provoke on demand.
      let armed = false;
      const failing = tappedPool(pool, (text) => (armed && text.includes('histogram_counts')
        ? new Error('Connection terminated unexpectedly')
        : undefined));
      const store = await PostgresStore.open({ pool: failing, schema });
      armed = true;
      await assert.rejects(store.append('a', [event(T0, 1, 'x'), event(T0 + 1, 2)]), {
        name: 'PlayheadError', code: 'store_unavailable', message: 'postgres store could not append to channel a: Connection terminated unexpectedly',
      });
      assert.equal(await store.getChannel('a'), undefined);
      assert.deepEqual(await collect(store, { channel: 'a', order: 'asc' }), []);
      assert.equal(pool.idleCount, pool.totalCount, 'no client is left checked out');
    });

    it('rolls back a batch whose COPY the server refuses, and serves the next append', async (t) => {
      const schema = uniqueSchema();
      t.after(() => dropSchema(schema));
      const pool = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
      t.after(() => pool.end());
      const store = await PostgresStore.open({ pool, schema });
      // A row the table refuses mid-COPY: what a server-side failure of the data looks like.
      await admin.query(`ALTER TABLE ${quoteIdentifier(schema)}.events ADD CONSTRAINT no_bad_ts CHECK (ts <> ${T0 + 7})`);
      const batch = Array.from({ length: 100 }, (_, i) => event(T0 + i, i, `id-${i}`));
      await assert.rejects(store.append('a', batch), { code: '23514', constraint: 'no_bad_ts' });
      assert.equal(await store.getChannel('a'), undefined);
      assert.equal(pool.idleCount, pool.totalCount, 'no client is left checked out');
      // The one connection of the pool left COPY mode and its transaction: it takes the next batch.
      const result = await store.append('a', batch.filter((e) => e.ts !== T0 + 7));
      assert.deepEqual([result.accepted, result.firstSeq, result.lastSeq], [batch.length - 1, 1, batch.length - 1]);
      assert.equal((await collect(store, { channel: 'a', order: 'asc' })).length, batch.length - 1);
    });

    it('writes the rows of every batch with one COPY, a one-event batch too', async (t) => {
      const schema = uniqueSchema();
      t.after(() => dropSchema(schema));
      const pool = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 2 });
      t.after(() => pool.end());
      const statements: string[] = [];
      const store = await PostgresStore.open({ pool: tappedPool(pool, (text) => void statements.push(text)), schema });
      const maxBatchRows = store.capabilities.maxBatchRows;
      for (const size of [1, 1_000, maxBatchRows + 1]) {
        statements.length = 0;
        await store.append('a', Array.from({ length: size }, (_, i) => event(T0 + i, i, `${size}-${i}`)));
        const writes = statements.filter((text) => /^(?:COPY|INSERT INTO) \S+\.events\b/.test(text));
        assert.deepEqual(writes.map((text) => text.split(' ')[0]), ['COPY'], `${size} events`);
      }
      assert.equal((await store.getChannel('a'))?.count, 1 + 1_000 + maxBatchRows + 1);
    });

    it('round-trips tabs, newlines, carriage returns, backslashes and NUL in ids and data', async (t) => {
      const store = await openScoped();
      t.after(() => store.close());
      // COPY text's delimiters and escapes, alone and at the edges; PostgreSQL text cannot hold NUL, so ids carry its JSON spelling.
      const hostile = ['a\tb', 'a\nb', 'a\r\nb', '\\', 'back\\slash', 'end\\', '\\N', '\\.', '\\u0000', '\\t\t', '\t\n\r', '"quote\\"'];
      const data = (text: string, i: number): unknown => [text, { [text]: `${text}\u0000${text}`, nul: '\u0000', i }];
      for (const [channel, size] of [['one', 1], ['each', hostile.length], ['many', 100]] as const) {
        const batch = Array.from({ length: size }, (_, i) => {
          const text = `${hostile[i % hostile.length]}${i >= hostile.length ? i : ''}`;
          return event(T0 + i, data(text, i), text);
        });
        const result = await store.append(channel, batch);
        assert.equal(result.accepted, size);
        const stored = await collect(store, { channel, order: 'asc' });
        assert.deepEqual(stored.map((e) => e.id), batch.map((e) => e.id), channel);
        assert.deepEqual(stored.map((e) => JSON.stringify(e.data)), batch.map((e) => e.dataJson), channel);
        // The ids were stored as sent: the same batch again is all duplicates.
        const again = await store.append(channel, batch);
        assert.deepEqual([again.accepted, again.duplicates], [0, size], channel);
      }
    });

    it('writes a batch over maxBatchRows whole, in one transaction', async (t) => {
      const store = await openScoped();
      t.after(() => store.close());
      const rows = store.capabilities.maxBatchRows * 2 + 500;
      const batch = Array.from({ length: rows }, (_, i) => event(T0 + i, i, i % 2 === 0 ? `id-${i}` : undefined));
      const result = await store.append('a', [...batch, event(T0, 'again', 'id-0')]);
      assert.deepEqual([result.accepted, result.duplicates, result.firstSeq, result.lastSeq], [rows, 1, 1, rows]);
      assert.deepEqual(await store.getChannel('a'), { name: 'a', count: rows, firstTs: T0, lastTs: T0 + rows - 1, lastSeq: rows });
      const histogram = await store.histogram('a', { start: T0, end: T0 + rows, buckets: 7 });
      assert.equal(histogram.counts.reduce((sum, n) => sum + n, 0), rows);
      const last = await collect(store, { channel: 'a', order: 'desc', pageSize: 1, start: T0 + rows - 1 });
      assert.deepEqual(last.map((e) => [e.seq, e.data]), [[rows, rows - 1]]);
    });
  });

  describe('PostgresStore #scan', () => {
    it('seeks with an index range scan of (channel_id, ts, seq), in both orders', async (t) => {
      const schema = uniqueSchema();
      t.after(() => dropSchema(schema));
      const store = await PostgresStore.open({ connectionString: POSTGRES_TEST_URL, schema });
      t.after(() => store.close());
      for (const channel of ['a', 'b', 'c']) {
        await store.append(channel, Array.from({ length: 3_000 }, (_, i) => event(T0 + i * 10, { i })));
      }
      await admin.query(`ANALYZE ${quoteIdentifier(schema)}.events`);
      const sql = postgresStatements(schema);
      const middle = { ts: T0 + 15_000, seq: 1_501 };
      // Fresh statistics and a LIMIT in index order make the index the cheaper plan, so the
      // planner is left free (no enable_seqscan = off): the test fails if it would choose otherwise.
      for (const text of [sql.scanAsc, sql.scanDesc]) {
        const { rows } = await admin.query(`EXPLAIN (FORMAT JSON) ${text}`, ['b', middle.ts, middle.seq, T0 + 30_000, 1e9, 100]);
        const nodes = planNodes((rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan);
        const onEvents = nodes.filter((node) => node['Relation Name'] === 'events');
        assert.deepEqual(onEvents.map((node) => [node['Node Type'], node['Index Name']]), [['Index Scan', 'events_replay_order']]);
        assert.match(onEvents[0]?.['Index Cond'] ?? '', /ROW\(ts, seq\) [<>] ROW\(/, 'the keyset bound is an index condition, not a filter');
      }
    });
  });
});

describe('PostgresStore SQL', { skip: storeSelected('postgres') ? false : 'PLAYHEAD_TEST_STORES does not include postgres' }, () => {
  it('pins the seek to the row-form keyset bound', () => {
    const sql = postgresStatements('public');
    assert.ok(sql.scanAsc.includes('(ts, seq) > ($2, $3)'), sql.scanAsc);
    assert.ok(sql.scanDesc.includes('(ts, seq) < ($2, $3)'), sql.scanDesc);
    assert.ok(!/\bOR\b/i.test(sql.scanAsc + sql.scanDesc), 'the expanded OR form scans the whole channel (DESIGN)');
    assert.match(sql.scanAsc, /ORDER BY ts, seq LIMIT \$6/);
    assert.match(sql.scanDesc, /ORDER BY ts DESC, seq DESC LIMIT \$6/);
  });

  it('quotes identifiers by doubling quotes', () => {
    assert.equal(quoteIdentifier('a"b'), '"a""b"');
    assert.ok(postgresStatements('x"; DROP').listChannels.includes('"x""; DROP".channels'));
  });
});

/**
 * `pool` with `tap` shown the text of every statement its clients run, COPY
 * included: to observe or fail what the API cannot. An Error from `tap`
 * fails that statement (queries only) instead of sending it.
 */
function tappedPool(pool: pg.Pool, tap: (text: string) => Error | undefined): PostgresPool {
  return {
    query: (query) => pool.query(query),
    end: () => pool.end(),
    connect: async () => {
      const client = await pool.connect();
      function query(query: PostgresQuery): Promise<PostgresQueryResult>;
      function query<S extends PostgresSubmittable>(stream: S): S;
      function query(query: PostgresQuery | PostgresSubmittable): Promise<PostgresQueryResult> | PostgresSubmittable {
        if ('submit' in query) {
          tap('text' in query ? String(query.text) : '');
          return client.query(query);
        }
        const failure = tap(query.text);
        return failure === undefined ? client.query(query) : Promise.reject(failure);
      }
      return { release: (error) => client.release(error), query };
    },
  };
}

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly 'Index Cond'?: string;
  readonly Plans?: readonly PlanNode[];
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}
