/**
 * PostgresLeases against the real PostgreSQL: one owner per lease across
 * nodes, ownership visible from any node, and a lease moving to another node
 * when its holder's session ends, never while it lives.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { PostgresLeases } from '../../src/live/postgres/postgres-leases.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../support/services.js';

const skip = await serviceSkip('PostgreSQL', POSTGRES_TEST_URL);
// Long: the lease queries time out at half of it in real time, and this machine may be busy.
const TAKEOVER_MS = 20_000;

/** Records what a node was told about one lease. */
function ledger() {
  const told: string[] = [];
  return { told, handlers: { gained: () => void told.push('gained'), lost: () => void told.push('lost') } };
}

describe('PostgresLeases', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
  after(() => admin.end());

  function cluster(t: TestContext) {
    const namespace = `test-${randomUUID()}`;
    const clock = new VirtualClock(0);
    const node = (nodeId: string) => {
      const leases = new PostgresLeases({ connectionString: POSTGRES_TEST_URL, namespace, nodeId, takeoverMs: TAKEOVER_MS, clock });
      t.after(() => leases.close());
      return leases;
    };
    /** Lets every node make one more attempt, then waits for its queries. */
    const nextAttempt = async (...nodes: PostgresLeases[]) => {
      clock.advance(TAKEOVER_MS / 5);
      await Promise.all(nodes.map((leases) => leases.settled()));
    };
    return { node, nextAttempt };
  }

  it('grants a lease to one node; the other sees who holds it and waits', async (t) => {
    const { node, nextAttempt } = cluster(t);
    const a = node('a');
    const b = node('b');
    const onA = ledger();
    const onB = ledger();
    await a.request('feed-rule:x', onA.handlers);
    await b.request('feed-rule:x', onB.handlers);
    await nextAttempt(a, b);
    assert.deepEqual([onA.told, onB.told], [['gained'], []]);
    assert.deepEqual([...(await b.owners())], [['feed-rule:x', 'a']]);
    assert.deepEqual([...(await a.owners())], [['feed-rule:x', 'a']]);
  });

  it('moves the lease when its holder releases it or closes, and only then', async (t) => {
    const { node, nextAttempt } = cluster(t);
    const a = node('a');
    const b = node('b');
    const onA = ledger();
    const onB = ledger();
    const releaseOnA = await a.request('timeline:y', onA.handlers);
    await b.request('timeline:y', onB.handlers);
    releaseOnA();
    assert.deepEqual(onA.told, ['gained', 'lost'], 'lost at once on release');
    await a.settled(); // the unlock has run
    await nextAttempt(a, b);
    assert.deepEqual(onB.told, ['gained']);
    await b.close();
    assert.deepEqual(onB.told, ['gained', 'lost']);
    const again = ledger();
    await a.request('timeline:y', again.handlers);
    assert.deepEqual(again.told, ['gained'], 'a closed node holds nothing');
  });

  it("gives the lease to another node when the holder's session is terminated, and tells the holder", async (t) => {
    const { node, nextAttempt } = cluster(t);
    const a = node('a');
    const b = node('b');
    const onA = ledger();
    const onB = ledger();
    await a.request('feed-rule:z', onA.handlers);
    await b.request('feed-rule:z', onB.handlers);
    const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'playhead lease a'");
    assert.ok((rowCount ?? 0) >= 1, "a's lease session was found");
    // The ended session frees its locks as its backend exits, a moment after the terminate returns.
    for (let attempt = 0; attempt < 100 && onB.told.length === 0; attempt += 1) {
      await nextAttempt(a, b);
      if (onB.told.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(onA.told, ['gained', 'lost'], 'the holder stops when its session ends');
    assert.deepEqual(onB.told, ['gained']);
    await nextAttempt(a, b);
    assert.deepEqual([onA.told, onB.told], [['gained', 'lost'], ['gained']], 'the old holder does not get it back while b lives');
  });

  it('keeps two clusters sharing a database apart', async (t) => {
    const first = cluster(t).node('a');
    const second = cluster(t).node('b');
    const onFirst = ledger();
    const onSecond = ledger();
    await first.request('feed-rule:same-name', onFirst.handlers);
    await second.request('feed-rule:same-name', onSecond.handlers);
    assert.deepEqual([onFirst.told, onSecond.told], [['gained'], ['gained']]);
  });
});
