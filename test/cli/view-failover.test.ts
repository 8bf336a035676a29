/**
 * A view is computed by one node and followed by the others: three
 * `playhead serve` nodes on one PostgreSQL schema and NATS, events written
 * to every node, the view's owner SIGKILLed under load. Every surviving node
 * answers the same ordered rows as a count from the events themselves, one
 * node at a time holds the view, and a WebSocket subscriber on a survivor
 * sees one unbroken series of deltas across the change of owner. An owner
 * that is only stopped (SIGSTOP) keeps the view: nobody computes it
 * meanwhile, and it carries on after SIGCONT.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { clusterSkip, eventually, leasesOn, serveCluster } from '../support/serve-cluster.js';
import { POSTGRES_TEST_URL } from '../support/services.js';
import { TestClient, type Message } from '../support/ws-client.js';

const skip = await clusterSkip();
const json = { 'content-type': 'application/json' };
const T0 = Date.UTC(2026, 0, 1);
const VIEW = 'top_pages';
const LEASE = `view:${VIEW}`;
const SQL = `CREATE VIEW ${VIEW} AS SELECT data.page AS page, count(*) AS hits FROM clicks GROUP BY data.page ORDER BY hits DESC, page LIMIT 3`;

/** Click n: on page p(n mod 7), and again on p0 for every third click, so the counts differ. */
const page = (n: number) => `p${n % 3 === 0 ? 0 : n % 7}`;
const click = (n: number) => ({ id: `c${n}`, time: T0 + n, data: { page: page(n) } });

/** The view's rows for clicks 0..count-1, counted from the clicks themselves. */
function expectedRows(count: number): { page: string; hits: number }[] {
  const hits = new Map<string, number>();
  for (let n = 0; n < count; n += 1) hits.set(page(n), (hits.get(page(n)) ?? 0) + 1);
  return [...hits].map(([name, n]) => ({ page: name, hits: n }))
    .sort((a, b) => b.hits - a.hits || (a.page < b.page ? -1 : 1)).slice(0, 3);
}

/** Rows as a WebSocket client keeps them: the base, then each delta's -1s and +1s (order is the server's to give, not the deltas'). */
function replayDeltas(messages: readonly Message[]): { rows: string[]; versionsJoin: boolean } {
  const base = messages.find((message) => message.type === 'base') as Message & { rows: unknown[]; asOf: number };
  const rows = base.rows.map((row) => JSON.stringify(row));
  let version = base.asOf;
  let versionsJoin = true;
  for (const delta of messages.filter((message) => message.type === 'delta') as (Message & { from: number; to: number; changes: { row: unknown; diff: number }[] })[]) {
    if (delta.from !== version) versionsJoin = false;
    version = delta.to;
    for (const { row, diff } of delta.changes) {
      const text = JSON.stringify(row);
      if (diff > 0) rows.push(text);
      else rows.splice(rows.indexOf(text), 1);
    }
  }
  return { rows: rows.sort(), versionsJoin };
}

/** Posts clicks numbered on from the clicks already posted through it, to whichever node it is given. */
function clickPoster(): { post: (url: string, count: number) => Promise<void>; readonly sent: () => number } {
  let sent = 0;
  return {
    post: async (url, count) => {
      const reply = await fetch(`${url}/v1/channels/clicks/events`, { method: 'POST', headers: json, body: JSON.stringify(Array.from({ length: count }, (_, i) => click(sent + i))) });
      assert.equal(reply.status, 201);
      sent += count;
    },
    sent: () => sent,
  };
}

const rowsOn = async (url: string): Promise<unknown[]> => ((await (await fetch(`${url}/v1/views/${VIEW}`)).json()) as { rows: unknown[] }).rows;

describe('a view across nodes', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
  after(() => admin.end());

  it('is computed by one node, followed by the others, and moves exactly when its owner dies', { timeout: 120_000 }, async (t) => {
    const { nodes } = await serveCluster(t, admin, 'view_failover', ['n0', 'n1', 'n2'], ['--takeover', '2s']);
    const { post, sent } = clickPoster();
    const cluster = async (url: string) => (await (await fetch(`${url}/v1/cluster`)).json()) as { leases: Record<string, string>; nodes: { id: string; owns: string[] }[] };

    await post(nodes[0]?.url as string, 50);
    assert.equal((await fetch(`${nodes[1]?.url}/v1/views`, { method: 'POST', headers: json, body: JSON.stringify({ sql: SQL }) })).status, 201);
    const held = await eventually(() => cluster(nodes[2]?.url as string), (c) => c.leases[LEASE] !== undefined, 'an owner for the view');
    const owner = nodes.find((node) => node.id === held.leases[LEASE]) as (typeof nodes)[0];
    const followers = nodes.filter((node) => node !== owner);
    const ownersSeenBy = async (url: string) => (await cluster(url)).nodes.filter((peer) => peer.owns.includes(LEASE)).map((peer) => peer.id);
    for (const node of nodes) {
      // Every node lists the others once it has heard their heartbeats (every 2 s); then it names one owner.
      await eventually(async () => (await cluster(node.url)).nodes.length, (count) => count === nodes.length, `${node.id} to hear every node`);
      assert.deepEqual(await ownersSeenBy(node.url), [owner.id], `${node.id} sees one owner of the view`);
    }

    const watcher = followers[0] as (typeof nodes)[0];
    const client = await TestClient.connect(`${watcher.url.replace('http', 'ws')}/v1/ws`);
    t.after(() => client.socket.close());
    client.send({ action: 'view', sub: 'v', view: VIEW });
    await client.waitFor((message) => message.type === 'base');

    for (const node of nodes) await post(node.url, 40);
    for (const node of nodes) {
      await eventually(() => rowsOn(node.url), (rows) => JSON.stringify(rows) === JSON.stringify(expectedRows(sent())), `${node.id}'s rows after ${sent()} clicks`);
    }

    // Under load: clicks keep coming to the followers while the owner dies.
    const load = (async () => {
      for (let round = 0; round < 10; round += 1) {
        for (const node of followers) await post(node.url, 20);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    owner.child.kill('SIGKILL');
    await load;
    const after = await eventually(() => cluster(watcher.url), (c) => followers.some((node) => node.id === c.leases[LEASE]), 'a survivor to take the view');
    assert.ok(followers.some((node) => node.id === after.leases[LEASE]));
    for (const node of followers) {
      await eventually(() => rowsOn(node.url), (rows) => JSON.stringify(rows) === JSON.stringify(expectedRows(sent())), `${node.id}'s rows after the owner died (${sent()} clicks)`);
    }
    const expected = expectedRows(sent()).map((row) => JSON.stringify(row)).sort();
    await eventually(async () => replayDeltas(client.messages.filter((message) => message.sub === 'v')), (seen) => JSON.stringify(seen.rows) === JSON.stringify(expected), 'the subscriber\'s rows');
    assert.equal(replayDeltas(client.messages.filter((message) => message.sub === 'v')).versionsJoin, true, 'every delta starts where the one before ended');
  });

  it('stays with an owner that is stopped: nobody else computes it, and the owner carries on after SIGCONT', { timeout: 120_000 }, async (t) => {
    const { nodes } = await serveCluster(t, admin, 'view_stall', ['n0', 'n1'], ['--takeover', '2s']);
    const { post, sent } = clickPoster();
    const rowsJson = async (url: string) => JSON.stringify(await rowsOn(url));
    await post(nodes[0]?.url as string, 30);
    assert.equal((await fetch(`${nodes[0]?.url}/v1/views`, { method: 'POST', headers: json, body: JSON.stringify({ sql: SQL }) })).status, 201);
    const held = await eventually(() => leasesOn(nodes[1]?.url as string), (leases) => leases[LEASE] !== undefined, 'an owner for the view');
    const owner = nodes.find((node) => node.id === held[LEASE]) as (typeof nodes)[0];
    const other = nodes.find((node) => node !== owner) as (typeof nodes)[0];
    const beforeStop = JSON.stringify(expectedRows(sent()));
    await eventually(() => rowsJson(other.url), (rows) => rows === beforeStop, `${other.id}'s rows before the stop`);

    owner.child.kill('SIGSTOP');
    t.after(() => owner.child.kill('SIGCONT'));
    for (let batch = 0; batch < 3; batch += 1) await post(other.url, 20);
    // Three takeover periods: long enough for a takeover, had the lease been free.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    assert.deepEqual(await leasesOn(other.url), { [LEASE]: owner.id }, 'the stopped owner keeps its lease');
    assert.equal(await rowsJson(other.url), beforeStop, 'nobody else computed the view meanwhile');

    owner.child.kill('SIGCONT');
    await eventually(() => rowsJson(other.url), (rows) => rows === JSON.stringify(expectedRows(sent())), 'the owner to catch up');
    assert.deepEqual(await leasesOn(other.url), { [LEASE]: owner.id });
  });
});
