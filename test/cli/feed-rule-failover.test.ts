/**
 * Two `playhead serve` nodes on one PostgreSQL schema and a bus (NATS, then
 * PostgreSQL LISTEN/NOTIFY) share a feed rule through its lease: when the
 * node running it is SIGKILLed, the other takes it over from the checkpoint
 * and the feeds end up exactly as a from-scratch run would leave them; while
 * the holder is only stopped (SIGSTOP), nobody else runs it.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { startServeProcess } from '../support/cli-process.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../support/services.js';
import { TestClient } from '../support/ws-client.js';

const NATS_URL = process.env.PLAYHEAD_TEST_NATS ?? 'nats://127.0.0.1:4222';
const skip = (await serviceSkip('PostgreSQL', POSTGRES_TEST_URL)) || (await serviceSkip('NATS', NATS_URL.replace('nats:', 'http:')));
const json = { 'content-type': 'application/json' };
const USERS = 3;
const RULE = { name: 'by-user', channel: 'posts', feed: 'user:{data.user}', id: 'id', maxItems: 10_000 };
const LEASE = `feed-rule:${RULE.name}`;

interface Node {
  readonly id: string;
  readonly url: string;
  readonly child: ChildProcess;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const bus of [NATS_URL, 'postgres']) describe(`feed rule ownership across nodes, bus ${bus}`, { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
  after(() => admin.end());

  async function twoNodes(t: TestContext): Promise<Node[]> {
    const schema = `playhead_failover_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const store = `${POSTGRES_TEST_URL}?schema=${schema}`;
    const nodes: Node[] = [];
    for (const id of ['n0', 'n1']) {
      const { child, url } = await startServeProcess(['--store', store, '--bus', bus, '--node-id', id, '--takeover', '2s']);
      t.after(() => {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      });
      nodes.push({ id, url, child });
    }
    // After the kills (after hooks run in order), so no node reads a dropped schema.
    t.after(() => admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`));
    return nodes;
  }

  let posted = 0;
  const post = (node: Node, count: number) => {
    const events = Array.from({ length: count }, (_, i) => ({ id: `p${posted + i}`, data: { user: `u${(posted + i) % USERS}` } }));
    posted += count;
    return fetch(`${node.url}/v1/channels/posts/events`, { method: 'POST', headers: json, body: JSON.stringify(events) });
  };
  const leases = async (node: Node) => ((await (await fetch(`${node.url}/v1/cluster`)).json()) as { leases: Record<string, string> }).leases;
  const storedIds = async (node: Node) => {
    const ids: string[] = [];
    for (let cursor: string | null = ''; cursor !== null;) {
      const page = (await (await fetch(`${node.url}/v1/channels/posts/events?limit=1000${cursor === '' ? '' : `&cursor=${cursor}`}`)).json()) as { events: { id: string }[]; next: string | null };
      ids.push(...page.events.map((event) => event.id));
      cursor = page.next;
    }
    return ids.sort();
  };
  const feedIds = async (node: Node) => {
    const ids: string[] = [];
    for (let user = 0; user < USERS; user += 1) {
      ids.push(...((await (await fetch(`${node.url}/v1/feeds/user:u${user}?limit=1000`)).json()) as { items: string[] }).items);
    }
    return ids.sort();
  };

  /** The ids a live feed subscriber holds after its base and every delta, applied as docs/protocol.md says. */
  const followedIds = (client: TestClient) => {
    const ids = new Set<string>();
    let version = -1;
    for (const message of client.messages) {
      if (message.type === 'base') {
        ids.clear();
        for (const item of message.items as { id: string }[]) ids.add(item.id);
        version = message.asOf as number;
      } else if (message.type === 'delta' && (message.to as number) > version) {
        assert.equal(message.from, version, 'each delta starts where the previous one ended');
        for (const id of message.removed as string[]) ids.delete(id);
        for (const item of message.added as { id: string }[]) ids.add(item.id);
        version = message.to as number;
      }
    }
    return [...ids].sort();
  };

  it('moves the rule to the surviving node after SIGKILL, with every stored event in the feeds once', { timeout: 90_000 }, async (t) => {
    const nodes = await twoNodes(t);
    assert.equal((await fetch(`${nodes[1]?.url}/v1/feeds/rules`, { method: 'POST', headers: json, body: JSON.stringify(RULE) })).status, 201);
    const held = await eventually(() => leases(nodes[0] as Node), (l) => l[LEASE] !== undefined, 'an owner of the rule');
    const owner = nodes.find((node) => node.id === held[LEASE]) as Node;
    const survivor = nodes.find((node) => node !== owner) as Node;
    assert.deepEqual(await leases(survivor), held, 'both nodes see the same owner');
    // Live on the survivor: the owner's writes reach it over the bus until the owner dies, its own after.
    const follower = await TestClient.connect(`${survivor.url.replace('http:', 'ws:')}/v1/ws`);
    t.after(() => follower.close());
    follower.send({ action: 'feed', sub: 'f', feed: 'user:u0', limit: 1_000 });
    await follower.waitFor((message) => message.type === 'base');
    for (let batch = 0; batch < 5; batch += 1) assert.equal((await post(survivor, 40)).status, 201);
    const u0SoFar = Math.ceil(posted / USERS);
    await eventually(async () => followedIds(follower), (ids) => ids.length === u0SoFar, "the owner's writes to reach the survivor's subscriber over the bus");
    const inFlight = Array.from({ length: 5 }, () => post(survivor, 40));
    owner.child.kill('SIGKILL');
    for (const reply of await Promise.all(inFlight)) assert.equal(reply.status, 201);
    for (let batch = 0; batch < 3; batch += 1) assert.equal((await post(survivor, 40)).status, 201);

    await eventually(() => leases(survivor), (l) => l[LEASE] === survivor.id, 'the survivor to own the rule');
    const stored = await storedIds(survivor);
    assert.equal(stored.length, posted, 'every acknowledged event is stored');
    const inFeeds = await eventually(() => feedIds(survivor), (ids) => ids.length >= stored.length, 'the feeds to catch up');
    assert.deepEqual(inFeeds, stored, 'each stored event in its feed exactly once, as a from-scratch run leaves them');
    const inU0 = ((await (await fetch(`${survivor.url}/v1/feeds/user:u0?limit=1000`)).json()) as { items: string[] }).items.sort();
    await eventually(async () => followedIds(follower), (ids) => ids.length >= inU0.length, 'the live subscriber to catch up');
    assert.deepEqual(followedIds(follower), inU0, 'the live subscriber on the survivor holds the feed');
  });

  it('lets nobody else run the rule while its holder is stopped, and the holder carries on after SIGCONT', { timeout: 90_000 }, async (t) => {
    const nodes = await twoNodes(t);
    assert.equal((await fetch(`${nodes[0]?.url}/v1/feeds/rules`, { method: 'POST', headers: json, body: JSON.stringify(RULE) })).status, 201);
    const held = await eventually(() => leases(nodes[1] as Node), (l) => l[LEASE] !== undefined, 'an owner of the rule');
    const owner = nodes.find((node) => node.id === held[LEASE]) as Node;
    const other = nodes.find((node) => node !== owner) as Node;
    owner.child.kill('SIGSTOP');
    const before = posted;
    for (let batch = 0; batch < 3; batch += 1) assert.equal((await post(other, 20)).status, 201);
    // Three takeover periods: long enough for a takeover, had the lease been free.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    assert.deepEqual(await leases(other), { [LEASE]: owner.id }, 'the stopped holder keeps its lease');
    assert.deepEqual(await feedIds(other), [], 'nobody else wrote the feeds meanwhile');
    owner.child.kill('SIGCONT');
    const inFeeds = await eventually(() => feedIds(other), (ids) => ids.length >= posted - before, 'the holder to catch up');
    assert.deepEqual(inFeeds, (await storedIds(other)), 'the holder wrote each event once');
  });
});
