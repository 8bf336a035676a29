/**
 * Views shared by two nodes (two registries on one store, feed store and
 * bus): the lease holder computes, the other follows its changes, asks for
 * a snapshot when it may have missed some, and takes over from history when
 * the lease moves. The clock is virtual and never advanced, so no retry or
 * heartbeat timer helps: what arrives, arrives by the path under test.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { LocalLeases } from '../../src/live/in-process/local-leases.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import type { Leases } from '../../src/live/leases.js';
import { openFeedStore, openStore } from '../../src/store/open-store.js';
import { buildViewAt } from '../../src/views/build-view-at.js';
import { parseViewSql } from '../../src/views/parse-view-sql.js';
import { VIEW_DEFINITIONS_CHANNEL, ViewRegistry, type ViewDelta } from '../../src/views/view-registry.js';
import { VIEW_SNAPSHOT_FEED_PREFIX, viewResultsTopic } from '../../src/views/view-results.js';
import { ManualLeases } from '../support/manual-leases.js';

const T0 = Date.UTC(2026, 0, 1);
const SQL = 'CREATE VIEW top AS SELECT data.page AS page, count(*) AS hits FROM clicks GROUP BY data.page ORDER BY hits DESC, page LIMIT 3';
const LEASE = 'view:top';

async function twoNodes(t: TestContext, leases: { a: Leases; b: Leases }) {
  const store = await openStore('sqlite::memory:');
  const feeds = await openFeedStore('sqlite::memory:');
  const bus = new InProcessBus();
  const clock = new VirtualClock(T0);
  const node = (nodeLeases: Leases) => new ViewRegistry({ reader: store, writer: store, bus, clock, sharing: { leases: nodeLeases, feeds } });
  const a = node(leases.a);
  const b = node(leases.b);
  t.after(async () => {
    a.close();
    b.close();
    await feeds.close();
    await store.close();
  });
  await a.load();
  await b.load();
  let sent = 0;
  const click = async (pages: readonly string[]) => {
    const { stored } = await store.append('clicks', pages.map((page) => ({ id: `c${sent}`, ts: T0 + (sent += 1), data: { page }, dataJson: JSON.stringify({ page }) })));
    bus.publish('clicks', stored);
  };
  const expected = async () => (await buildViewAt(await parseViewSql(SQL), store, T0 + 1e9)).rows();
  const snapshotsStored = async () => {
    const id = (await store.getChannel(VIEW_DEFINITIONS_CHANNEL))?.lastSeq as number;
    return (await feeds.read(`${VIEW_SNAPSHOT_FEED_PREFIX}${id}`, { limit: 1 })).version;
  };
  return { a, b, bus, store, click, expected, snapshotsStored };
}

async function eventually(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Records a subscription's deltas and says whether each begins where the last ended. */
function watch(registry: ViewRegistry) {
  const deltas: ViewDelta[] = [];
  const { base } = registry.subscribe('top', (delta) => deltas.push(delta));
  const joined = () => deltas.every((delta, index) => delta.from === (index === 0 ? base.asOf : deltas[index - 1]?.to));
  return { deltas, joined };
}

const pages = (counts: Record<string, number>) => Object.entries(counts).flatMap(([page, n]) => Array.from({ length: n }, () => page));

describe('a view shared by two nodes', () => {
  it('is followed from the owner\'s changes, in ORDER BY order, with no snapshot per change', async (t) => {
    const { a, b, click, expected, snapshotsStored } = await twoNodes(t, { a: new LocalLeases('a'), b: new ManualLeases() });
    await click(pages({ home: 3, docs: 2 }));
    await a.create(SQL);
    await eventually(() => b.list().length === 1, 'the definition to reach b');
    assert.deepEqual((await b.rows('top')).rows, await expected(), 'b has the owner\'s rows once it follows');
    const stored = await snapshotsStored();
    const seen = watch(b);

    await click(pages({ docs: 2, blog: 1 }));
    await click(pages({ faq: 4 }));
    await click(pages({ blog: 3, home: 1 }));

    assert.deepEqual((await b.rows('top')).rows, await expected());
    assert.deepEqual((await b.rows('top')).rows, (await a.rows('top')).rows);
    assert.equal(await snapshotsStored(), stored, 'the changes alone carried b along');
    assert.ok(seen.deltas.length >= 3 && seen.joined(), `b's subscriber saw joined deltas: ${JSON.stringify(seen.deltas)}`);
  });

  it('asks the owner for a snapshot when notices may have been lost, and catches up from it', async (t) => {
    const { a, b, bus, store, click, expected, snapshotsStored } = await twoNodes(t, { a: new LocalLeases('a'), b: new ManualLeases() });
    await a.create(SQL);
    await eventually(() => b.list().length === 1, 'the definition to reach b');
    await click(pages({ home: 2 }));
    assert.deepEqual((await b.rows('top')).rows, await expected());
    const stored = await snapshotsStored();
    const seen = watch(b);
    const id = (await store.getChannel(VIEW_DEFINITIONS_CHANNEL))?.lastSeq as number;
    // What a bus says after a reconnect: b cannot know which changes it missed.
    bus.notify(viewResultsTopic(id), null);

    await click(pages({ docs: 5 }));
    await eventually(async () => JSON.stringify((await b.rows('top')).rows) === JSON.stringify(await expected()), 'b to catch up');
    assert.ok((await snapshotsStored()) > stored, 'a snapshot was stored for b');
    assert.ok(seen.joined());
  });

  it('moves to the other node when the lease does: rows from history, one series of deltas on both nodes', async (t) => {
    const leasesA = new ManualLeases();
    const leasesB = new ManualLeases();
    const { a, b, click, expected } = await twoNodes(t, { a: leasesA, b: leasesB });
    await click(pages({ home: 3 }));
    const creating = a.create(SQL);
    await eventually(() => a.list().length === 1, 'the view on a');
    await leasesA.grant(LEASE);
    await creating;
    await eventually(() => b.list().length === 1, 'the definition to reach b');
    await eventually(async () => JSON.stringify((await b.rows('top')).rows) === JSON.stringify(await expected()), 'b to follow a');
    const onA = watch(a);
    const onB = watch(b);
    await click(pages({ docs: 4 }));

    leasesA.revoke(LEASE);
    // No owner for a while: what is written meanwhile reaches the next owner through the store.
    await click(pages({ blog: 5, faq: 1 }));
    await leasesB.grant(LEASE);
    await eventually(async () => JSON.stringify((await b.rows('top')).rows) === JSON.stringify(await expected()), 'b to own the view');
    await click(pages({ faq: 6 }));
    for (const [name, node] of [['a', a], ['b', b]] as const) {
      await eventually(async () => JSON.stringify((await node.rows('top')).rows) === JSON.stringify(await expected()), `${name}'s rows under the new owner`);
    }
    assert.ok(onA.joined() && onB.joined(), 'each node\'s subscriber saw joined deltas across the move');
  });
});
