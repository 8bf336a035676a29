/**
 * The PostgreSQL feed store: the feed conformance suite, each store in a
 * fresh schema, eight pools for the concurrency case; once more on
 * connections whose default isolation is REPEATABLE READ, where adds must
 * still run in READ COMMITTED (they lock, then read what others committed).
 */
import { randomUUID } from 'node:crypto';
import { after, describe } from 'node:test';
import pg from 'pg';
import type { FeedStore } from '../../src/store/feed-store.js';
import { PostgresFeedStore } from '../../src/store/postgres/postgres-feed-store.js';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { POSTGRES_TEST_URL, serviceSkip, storeSelected } from '../support/services.js';
import { runFeedStoreConformance } from './feed-conformance.js';

const skip = storeSelected('postgres')
  ? await serviceSkip('PostgreSQL', POSTGRES_TEST_URL)
  : 'PLAYHEAD_TEST_STORES does not include postgres';

function withDefaultIsolation(url: string, level: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c default_transaction_isolation=${level.replace(' ', '\\ ')}`);
  return parsed.href;
}

function conformanceOn(name: string, url: string): void {
  describe(`PostgresFeedStore against a server (${name})`, { skip }, () => {
    const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 2 });
    after(() => admin.end());
    const schemas = new WeakMap<object, string>();

    runFeedStoreConformance({
      name,
      numRuns: 40,
      open: async () => {
        const schema = `playhead_feeds_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
        const store = await PostgresFeedStore.open({ connectionString: url, schema });
        const scoped: FeedStore = {
          read: (key, request) => store.read(key, request),
          write: (operations, options) => store.write(operations, options),
          rulePosition: (rule) => store.rulePosition(rule),
          forgetRule: (rule) => store.forgetRule(rule),
          close: async () => {
            await store.close();
            await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
          },
        };
        schemas.set(scoped, schema);
        return scoped;
      },
      openPeer: async (first) => PostgresFeedStore.open({ connectionString: url, schema: schemas.get(first) as string, maxPoolSize: 2 }),
    });
  });
}

conformanceOn('postgres', POSTGRES_TEST_URL);
conformanceOn('postgres, default isolation repeatable read', withDefaultIsolation(POSTGRES_TEST_URL, 'repeatable read'));
