/**
 * Redshift as a dialect of the PostgreSQL source (docs/sources.md lists what
 * was verified). There is no Redshift here: the statements that differ are
 * pinned as text, the introspector runs on a scripted catalog, and the
 * statements Redshift shares with PostgreSQL run on PostgreSQL and must give
 * the rows the PostgreSQL dialect gives.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { StoredEvent } from '../../../src/core/event.js';
import { PostgresIntrospector } from '../../../src/store/postgres/postgres-introspector.js';
import { openPostgresSource } from '../../../src/store/postgres/postgres-source.js';
import { postgresSourceDialect } from '../../../src/store/postgres/postgres-source-dialect.js';
import { redshiftSourceDialect, REDSHIFT_DIFFERENCES } from '../../../src/store/redshift/redshift-dialect.js';
import { RedshiftIntrospector, SORT_KEY_QUERY } from '../../../src/store/redshift/redshift-introspector.js';
import { parseSourceUrl } from '../../../src/store/sources/parse-source-url.js';
import type { SourceConnection, SourceRow } from '../../../src/store/sources/source-connection.js';
import type { SqlStatement } from '../../../src/store/sources/source-sql.js';
import type { TableSource } from '../../../src/store/sources/table-source.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../../support/services.js';

describe('redshiftSourceDialect: the statements that differ', () => {
  it('bounds later pages without row values, with a leading range on time', () => {
    assert.equal(redshiftSourceDialect.keysetBound('"t"', '"id"', 'asc', '$3', '$4'), '"t" >= $3 AND ("t" > $3 OR "id" > $4)');
    assert.equal(redshiftSourceDialect.keysetBound('"t"', '"id"', 'desc', '$3', '$4'), '"t" <= $3 AND ("t" < $3 OR "id" < $4)');
    assert.equal(postgresSourceDialect.keysetBound('"t"', '"id"', 'asc', '$3', '$4'), '("t", "id") > ($3, $4)');
  });

  it('computes epoch milliseconds with DATEDIFF', () => {
    assert.equal(redshiftSourceDialect.epochMs('"t"', { kind: 'timestamptz' }), "DATEDIFF(millisecond, TIMESTAMPTZ '1970-01-01 00:00:00+00', \"t\")");
    assert.equal(redshiftSourceDialect.epochMs('"t"', { kind: 'timestamp' }), "DATEDIFF(millisecond, TIMESTAMP '1970-01-01 00:00:00', \"t\")");
    assert.equal(redshiftSourceDialect.epochMs('"t"', { kind: 'iso-text', format: { separator: 'T', fractionDigits: 3, suffix: 'Z' } }),
      "DATEDIFF(millisecond, TIMESTAMP '1970-01-01 00:00:00', \"t\"::timestamp)");
    assert.equal(redshiftSourceDialect.epochMs('"t"', { kind: 'epoch', unit: 's' }), postgresSourceDialect.epochMs('"t"', { kind: 'epoch', unit: 's' }));
  });

  it('declares no indexes, no row values and no LISTEN, and keeps PostgreSQL\'s quoting and placeholders', () => {
    assert.deepEqual(redshiftSourceDialect.capabilities, { hasIndexes: false, rowValues: false, listenNotify: false });
    assert.equal(redshiftSourceDialect.quoteIdentifier('a"b'), '"a""b"');
    assert.equal(redshiftSourceDialect.placeholder(2), '$2');
    assert.deepEqual(REDSHIFT_DIFFERENCES.map((d) => d.topic), ['indexes', 'keyset bound', 'epoch ms', 'change notification']);
  });

  it('reads the compound sort key and advises ALTER ... SORTKEY when it does not lead with (key, time)', async () => {
    const spec = parseSourceUrl('clicks', 'redshift://rs.example:5439/dev?table=web.clicks&time=at&id=click_id&key=site');
    const shape = async (sortKey: string[]) => new RedshiftIntrospector(scriptedCatalog(sortKey), spec).introspect();
    assert.deepEqual((await shape(['site', 'at', 'click_id'])).index, { usable: true, name: 'sort key', advice: null });
    assert.deepEqual((await shape(['at'])).index, { usable: false, name: null, advice: 'ALTER TABLE "web"."clicks" ALTER COMPOUND SORTKEY ("site", "at", "click_id")' });
    assert.deepEqual((await shape([])).index.usable, false);
  });
});

/** A Redshift catalog for web.clicks (click_id bigint, site varchar, at timestamp, url varchar), answering by statement. */
function scriptedCatalog(sortKey: readonly string[]): SourceConnection {
  return {
    dialect: redshiftSourceDialect,
    location: ' at rs.example:5439/dev',
    close: async () => undefined,
    async query(statement: SqlStatement): Promise<readonly SourceRow[]> {
      const { text } = statement;
      if (text === SORT_KEY_QUERY) return sortKey.map((name) => ({ name }));
      if (text.includes('FROM pg_class')) return [{ oid: 100_001, schema: 'web', name: 'clicks' }];
      if (text.includes('format_type')) {
        return [['click_id', 'bigint', 20], ['site', 'character varying(64)', 1043], ['at', 'timestamp without time zone', 1114], ['url', 'character varying(256)', 1043]]
          .map(([name, type, oid]) => ({ name, type, oid }));
      }
      if (text.includes('ORDER BY "at"')) return [{ value: '2018-03-07 16:16:17.123' }];
      throw new Error(`unexpected statement: ${text}`);
    },
  };
}

const skip = await serviceSkip('PostgreSQL', POSTGRES_TEST_URL);

describe('redshiftSourceDialect: the shared statements, on PostgreSQL', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 2 });
  const schema = `playhead_rs_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const T0 = Date.UTC(2018, 2, 7);
  const url = `${POSTGRES_TEST_URL}?table=${schema}.clicks&time=at&id=click_id&key=site`;
  let postgres: TableSource;
  let redshift: TableSource;
  before(async () => {
    // Many rows share a time, so pages resume inside a run of equal times: where the two keyset forms could differ.
    await admin.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.clicks (click_id bigint PRIMARY KEY, site text NOT NULL, at timestamp NOT NULL, url text);
      INSERT INTO ${schema}.clicks SELECT g, 's' || (g % 2), timestamp '2018-03-07 00:00:00' + (g / 7) * interval '1 second', '/p/' || g FROM generate_series(1, 2000) g`);
    postgres = await openPostgresSource(parseSourceUrl('clicks', url), postgresSourceDialect, PostgresIntrospector);
    redshift = await openPostgresSource(parseSourceUrl('clicks', url), redshiftSourceDialect, PostgresIntrospector);
  });
  after(async () => {
    await postgres?.close();
    await redshift?.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  const collect = async (source: TableSource, request: Parameters<TableSource['scan']>[0]) => {
    const all: StoredEvent[] = [];
    for await (const page of source.scan(request)) all.push(...page);
    return all;
  };

  it('scans the same rows in the same order, both ways, paging inside runs of equal time', async () => {
    for (const order of ['asc', 'desc'] as const) {
      const request = { channel: 'clicks/site=s1', order, start: T0 + 10_000, end: T0 + 200_000, pageSize: 3 };
      const [a, b] = [await collect(postgres, request), await collect(redshift, request)];
      assert.ok(a.length > 500, `${a.length} rows`);
      assert.deepEqual(b, a, order);
      const after = a[100] as StoredEvent;
      assert.deepEqual(await collect(redshift, { ...request, after }), await collect(postgres, { ...request, after }), `${order} after`);
    }
  });

  it('answers the same channels, counts and live position', async () => {
    assert.deepEqual(await redshift.listChannels(), await postgres.listChannels());
    assert.deepEqual(await redshift.getChannel('clicks/site=s0'), { name: 'clicks/site=s0', count: 1000, firstTs: T0, lastTs: T0 + 285_000, lastSeq: 2000 });
  });
});
