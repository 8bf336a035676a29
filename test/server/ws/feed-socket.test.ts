import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessPolicy } from '../../../src/server/auth/access-policy.js';
import { startListeningServer } from '../../support/listening-server.js';
import { TestClient, type Message } from '../../support/ws-client.js';

type Item = { id: string; time: number; data?: unknown };
type Base = Message & { asOf: number; items: Item[] };
type Delta = Message & { from: number; to: number; added: Item[]; removed: string[] };

async function feedServer(t: Parameters<typeof startListeningServer>[0], options: Parameters<typeof startListeningServer>[1] = {}) {
  const server = await startListeningServer(t, options);
  const call = async (method: string, path: string, body?: unknown) => {
    const reply = await fetch(`${server.http}/v1/feeds/${path}`, {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return reply.status === 204 ? undefined : (await reply.json()) as { items: unknown[] };
  };
  return { ...server, call };
}

/** Applies base + deltas as a client must: skip deltas already in the base, remove ids, then add items, newest first. */
function materialise(messages: readonly Message[], sub: string): Item[] {
  const base = messages.find((m) => m.type === 'base' && m.sub === sub) as Base;
  let items = [...base.items];
  let position = base.asOf;
  for (const delta of messages.filter((m) => m.type === 'delta' && m.sub === sub) as Delta[]) {
    if (delta.to <= position) continue;
    assert.equal(delta.from, position, 'each delta starts where the previous one ended');
    items = items.filter((item) => !delta.removed.includes(item.id));
    items.push(...delta.added);
    position = delta.to;
  }
  return items.sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1));
}

describe('WebSocket feed subscriptions', () => {
  it('sends the first page as a base, then deltas; an item pushed off the page is a removal', async (t) => {
    const server = await feedServer(t);
    await server.call('PUT', 'f', { maxItems: 3 });
    await server.call('POST', 'f/items', [{ id: '1', time: 1 }, { id: '2', time: 2 }]);
    const client = await TestClient.connect(`${server.ws}/v1/ws`);
    t.after(() => client.close());
    client.send({ action: 'feed', sub: 's', feed: 'f', limit: 2 });
    const base = await client.waitFor((m) => m.type === 'base') as Base;
    assert.deepEqual(base, { type: 'base', sub: 's', feed: 'f', asOf: base.asOf, items: [{ id: '2', time: 2 }, { id: '1', time: 1 }] });
    await server.call('POST', 'f/items', { id: '3', time: 3, data: { body: 'hi' } });
    const delta = await client.waitFor((m) => m.type === 'delta') as Delta;
    assert.deepEqual(delta, { type: 'delta', sub: 's', feed: 'f', from: base.asOf, to: base.asOf + 1, added: [{ id: '3', time: 3, data: { body: 'hi' } }], removed: ['1'] });
    await server.call('DELETE', 'f/items/3');
    const refill = await client.waitFor((m) => m.type === 'delta' && (m as Delta).from === delta.to) as Delta;
    assert.deepEqual([refill.added, refill.removed], [[{ id: '1', time: 1 }], ['3']], 'the item below the page comes back in when one above leaves');
    client.send({ action: 'stop', sub: 's' });
    await server.call('POST', 'f/items', { id: '9', time: 9 });
    client.send({ action: 'feed', sub: 'check', feed: 'f', limit: 1 });
    await client.waitFor((m) => m.type === 'base' && m.sub === 'check');
    assert.equal(client.of('delta').filter((m) => m.sub === 's').length, 2, 'nothing after stop');
  });

  it('keeps the live page equal to the feed through random adds, moves, deletes, bound changes and drops', async (t) => {
    const server = await feedServer(t);
    const client = await TestClient.connect(`${server.ws}/v1/ws`);
    t.after(() => client.close());
    client.send({ action: 'feed', sub: 'live', feed: 'r', limit: 4 });
    await client.waitFor((m) => m.type === 'base');
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const writes: Promise<unknown>[] = [];
    for (let step = 0; step < 120; step += 1) {
      const kind = random(10);
      const id = String(random(12));
      if (kind < 6) writes.push(server.call('POST', 'r/items', [{ id, time: random(20) }, { id: String(random(12)), time: random(20) }]));
      else if (kind < 8) writes.push(server.call('DELETE', `r/items/${id}`));
      else if (kind < 9) writes.push(server.call('PUT', 'r', { maxItems: 2 + random(8) }));
      else writes.push(server.call('DELETE', 'r'));
      if (step % 10 === 0) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    const expected = ((await server.call('GET', 'r?limit=4')) as { items: string[] }).items;
    await client.waitFor(() => JSON.stringify(materialise(client.messages, 'live').map((i) => i.id)) === JSON.stringify(expected));
  });

  it('refuses a bad key, a bad limit and a feed outside the token scopes', async (t) => {
    const access = new AccessPolicy({ reader: ['read:feed:team:*'] });
    const server = await feedServer(t, { access });
    const client = await TestClient.connect(`${server.ws}/v1/ws?token=reader`);
    t.after(() => client.close());
    client.send({ action: 'feed', sub: 'a', feed: 'no spaces' });
    client.send({ action: 'feed', sub: 'b', feed: 'team:x', limit: 0 });
    client.send({ action: 'feed', sub: 'c', feed: 'user:ann' });
    client.send({ action: 'feed', sub: 'd' });
    client.send({ action: 'feed', sub: 'e', feed: 'team:x' });
    await client.waitFor((m) => m.type === 'base' && m.sub === 'e');
    const errors = client.of('error').map((m) => [m.sub, m.code, m.message]);
    assert.deepEqual(errors, [
      ['a', 'invalid_parameter', 'feed key must be 1-128 characters of A-Z a-z 0-9 . _ : -, got "no spaces"'],
      ['b', 'invalid_parameter', 'limit must be an integer from 1 to 1000, got 0'],
      ['c', 'forbidden', 'the token may not read feed user:ann: it needs scope read:feed:user:ann'],
      [undefined, 'invalid_parameter', 'feed needs field "feed"'],
    ]);
  });
});
