import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startListeningServer } from '../../support/listening-server.js';
import { TestClient, type Message } from '../../support/ws-client.js';

const TOP = 'CREATE VIEW top AS SELECT data.user AS user, count(*) AS edits FROM wiki GROUP BY data.user ORDER BY edits DESC LIMIT 2';

async function withView(t: Parameters<typeof startListeningServer>[0]) {
  const server = await startListeningServer(t);
  await server.post('wiki', [{ data: { user: 'ann' } }, { data: { user: 'ann' } }, { data: { user: 'bob' } }]);
  const created = await fetch(`${server.http}/v1/views`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: TOP }) });
  assert.equal(created.status, 201);
  return server;
}

type Row = Record<string, unknown>;

/** A server with the view `top`, and a /v1/ws client closed when the test ends. */
async function connectToView(t: Parameters<typeof startListeningServer>[0]) {
  const server = await withView(t);
  const client = await TestClient.connect(`${server.ws}/v1/ws`);
  t.after(() => client.close());
  return { server, client };
}

/** Applies base + deltas as a client must: skip deltas already in the base, apply each once. */
function materialise(messages: readonly Message[]): Row[] {
  const base = messages.find((m) => m.type === 'base') as Message & { asOf: number; rows: Row[] };
  const rows = [...base.rows];
  let position = base.asOf;
  for (const delta of messages.filter((m) => m.type === 'delta') as (Message & { from: number; to: number; changes: { row: Row; diff: number }[] })[]) {
    if (delta.to <= position) continue;
    for (const { row, diff } of delta.changes) {
      if (diff > 0) rows.push(row);
      else rows.splice(rows.findIndex((x) => JSON.stringify(x) === JSON.stringify(row)), 1);
    }
    position = delta.to;
  }
  return rows;
}

describe('WebSocket view subscriptions', () => {
  it('sends one base, then deltas that keep it equal to the view', async (t) => {
    const { server, client } = await connectToView(t);
    client.send({ action: 'view', sub: 'v', view: 'top' });
    const base = await client.waitFor((m) => m.type === 'base');
    assert.deepEqual(base, { type: 'base', sub: 'v', view: 'top', asOf: base.asOf, rows: [{ user: 'ann', edits: 2 }, { user: 'bob', edits: 1 }] });
    await server.post('wiki', [{ data: { user: 'cat' } }, { data: { user: 'cat' } }, { data: { user: 'cat' } }]);
    await client.waitFor((m) => m.type === 'delta' && (m.changes as { row: Row }[]).some((c) => c.row.user === 'cat'));
    const now = (await (await fetch(`${server.http}/v1/views/top`)).json()) as { rows: Row[] };
    assert.deepEqual(now.rows, [{ user: 'cat', edits: 3 }, { user: 'ann', edits: 2 }]);
    const key = (rows: Row[]) => JSON.stringify(rows.map((r) => JSON.stringify(r)).sort());
    await client.waitFor(() => key(materialise(client.messages)) === key(now.rows));
    const cancelled = (client.of('delta') as (Message & { changes: { row: Row; diff: number }[] })[]).some((d) =>
      d.changes.some((c) => d.changes.some((o) => o.diff === -c.diff && JSON.stringify(o.row) === JSON.stringify(c.row))));
    assert.equal(cancelled, false, 'a delta never carries a row both added and removed');
    const deltas = client.of('delta') as (Message & { from: number; to: number })[];
    assert.ok(deltas.every((d, i) => d.from < d.to && (i === 0 || d.from === deltas[i - 1]?.to)), 'positions are totally ordered and contiguous');
  });

  it('sends one base of the view as it was, for asOf, and no deltas', async (t) => {
    const { server, client } = await connectToView(t);
    client.send({ action: 'view', sub: 'past', view: 'top', asOf: 0 });
    const base = await client.waitFor((m) => m.type === 'base');
    assert.deepEqual(base, { type: 'base', sub: 'past', view: 'top', asOf: 0, at: 0, rows: [] });
    await server.post('wiki', [{ data: { user: 'new' } }]);
    client.send({ action: 'view', sub: 'now', view: 'top' });
    await client.waitFor((m) => m.type === 'base' && m.sub === 'now');
    assert.equal(client.of('delta').filter((d) => d.sub === 'past').length, 0);
  });

  it('stops sending deltas after stop on the sub', async (t) => {
    const { server, client } = await connectToView(t);
    client.send({ action: 'view', sub: 'v', view: 'top' });
    await client.waitFor((m) => m.type === 'base');
    client.send({ action: 'stop', sub: 'v' });
    client.send({ action: 'pause', sub: 'v' });
    assert.equal((await client.waitFor((m) => m.type === 'error')).code, 'unknown_subscription', 'the sub is gone');
    await server.post('wiki', [{ data: { user: 'zed' } }, { data: { user: 'zed' } }, { data: { user: 'zed' } }]);
    client.send({ action: 'view', sub: 'w', view: 'top' });
    await client.waitFor((m) => m.type === 'base' && m.sub === 'w');
    assert.equal(client.of('delta').filter((d) => d.sub === 'v').length, 0);
  });

  it('refuses unknown views and views on a channel endpoint, keeping the connection', async (t) => {
    const { server, client } = await connectToView(t);
    client.send({ action: 'view', sub: 'v', view: 'nope' });
    const error = await client.waitFor((m) => m.type === 'error');
    assert.deepEqual([error.code, error.message], ['unknown_view', 'no view named nope: create it with POST /v1/views']);
    const channelClient = await TestClient.connect(`${server.ws}/v1/channels/wiki/ws`);
    t.after(() => channelClient.close());
    channelClient.send({ action: 'view', view: 'top' });
    assert.equal((await channelClient.waitFor((m) => m.type === 'error')).code, 'invalid_parameter');
  });

  it('consolidates deltas for a client that stops reading, and the result is still exact', async (t) => {
    const server = await startListeningServer(t, { websocket: { maxBufferedBytes: 1 } });
    await server.post('wiki', [{ data: { user: 'ann' } }]);
    await fetch(`${server.http}/v1/views`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: TOP }) });
    const client = await TestClient.connect(`${server.ws}/v1/ws`);
    t.after(() => client.close());
    client.send({ action: 'view', sub: 'v', view: 'top' });
    await client.waitFor((m) => m.type === 'base');
    for (let i = 0; i < 30; i += 1) await server.post('wiki', [{ data: { user: i % 2 === 0 ? 'bob' : 'cat' } }]);
    const now = (await (await fetch(`${server.http}/v1/views/top`)).json()) as { rows: Row[] };
    await client.waitFor(() => JSON.stringify(materialise(client.messages).map((r) => JSON.stringify(r)).sort()) === JSON.stringify(now.rows.map((r) => JSON.stringify(r)).sort()));
    assert.ok(client.of('delta').length < 30, `deltas were consolidated (${client.of('delta').length} for 30 writes)`);
  });
});

describe('WebSocket view subscriptions opened at random moments', () => {
  it('end with exactly the rows of the view, whenever they connected', async (t) => {
    const server = await withView(t);
    const users = ['ann', 'bob', 'cat', 'dan', 'eve'];
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const clients: TestClient[] = [];
    for (let batch = 0; batch < 30; batch += 1) {
      const writes = server.post('wiki', Array.from({ length: 1 + random(4) }, () => ({ data: { user: users[random(users.length)] } })));
      // Subscribe while a write is in flight half of the time, so a base can race a delta.
      if (random(3) === 0) {
        const client = await TestClient.connect(`${server.ws}/v1/ws`);
        t.after(() => client.close());
        client.send({ action: 'view', sub: `c${clients.length}`, view: 'top' });
        clients.push(client);
      }
      await writes;
    }
    assert.ok(clients.length >= 5, `${clients.length} clients joined along the way`);
    const now = (await (await fetch(`${server.http}/v1/views/top`)).json()) as { rows: Row[] };
    const key = (rows: Row[]) => JSON.stringify(rows.map((r) => JSON.stringify(r)).sort());
    for (const client of clients) await client.waitFor(() => client.of('base').length > 0 && key(materialise(client.messages)) === key(now.rows));
  });
});

describe('WebSocket views following a replay', () => {
  const T0 = Date.UTC(2018, 2, 7, 16, 0, 0);

  /** The rows a client holds for `sub`: its latest base, then the deltas after it. */
  function rowsOf(messages: readonly Message[], sub: string): Row[] {
    const mine = messages.filter((m) => m.sub === sub);
    const lastBase = mine.findLastIndex((m) => m.type === 'base');
    return materialise(mine.slice(lastBase)).map((r) => JSON.stringify(r)).sort() as unknown as Row[];
  }

  async function replayServer(t: Parameters<typeof startListeningServer>[0]) {
    const server = await startListeningServer(t);
    await server.post('wiki', Array.from({ length: 10 }, (_, i) => ({ time: T0 + i * 1_000, data: { user: ['ann', 'bob', 'ann', 'cat'][i % 4] } })));
    for (const sql of [TOP, "CREATE VIEW recent AS SELECT data.user AS user, count(*) AS edits FROM wiki WHERE ts > now() - INTERVAL '3 seconds' GROUP BY data.user"]) {
      await fetch(`${server.http}/v1/views`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) });
    }
    const client = await TestClient.connect(`${server.ws}/v1/ws`);
    t.after(() => client.close());
    const viewAt = async (view: string, atMs: number) => ((await (await fetch(`${server.http}/v1/views/${view}?asOf=${atMs}`)).json()) as { rows: Row[] }).rows.map((r) => JSON.stringify(r)).sort();
    return { server, client, viewAt };
  }

  it('evolves with the replay and ends equal to the view as of the replay\'s end', async (t) => {
    const { client, viewAt } = await replayServer(t);
    client.send({ action: 'play', sub: 'p', channel: 'wiki', start: T0, end: T0 + 9_500, speed: 20 });
    client.send({ action: 'view', sub: 'top', view: 'top', follow: 'p' });
    client.send({ action: 'view', sub: 'recent', view: 'recent', follow: 'p' });
    await client.waitFor((m) => m.sub === 'p' && m.type === 'state' && m.status === 'ended');
    assert.deepEqual(rowsOf(client.messages, 'top'), await viewAt('top', T0 + 9_500));
    assert.deepEqual(rowsOf(client.messages, 'recent'), await viewAt('recent', T0 + 9_500), 'the window moved with the playhead, not the wall clock');
    assert.ok(client.messages.some((m) => m.sub === 'top' && m.type === 'delta'), 'rows changed as events were replayed');
  });

  it('sends a fresh base at the new playhead after a seek back', async (t) => {
    const { client, viewAt } = await replayServer(t);
    client.send({ action: 'play', sub: 'p', channel: 'wiki', start: T0, end: T0 + 9_500, speed: 20 });
    client.send({ action: 'view', sub: 'f', view: 'recent', follow: 'p' });
    await client.waitFor((m) => m.sub === 'p' && m.type === 'state' && m.status === 'ended');
    const from = client.messages.length;
    client.send({ action: 'seek', sub: 'p', to: T0 + 3_500 });
    const base = await client.waitFor((m) => m.sub === 'f' && m.type === 'base', from);
    const at = base.at as number;
    assert.ok(at >= T0 + 3_500 && at < T0 + 4_500, `the base shows the playhead after the seek (${at - T0} ms)`);
    assert.deepEqual((base.rows as Row[]).map((r) => JSON.stringify(r)).sort(), await viewAt('recent', at));
  });

  it('refuses to follow a sub that is not a playback, or a replay of another channel', async (t) => {
    const { client } = await replayServer(t);
    client.send({ action: 'view', sub: 'f', view: 'top', follow: 'nope' });
    const missing = await client.waitFor((m) => m.type === 'error');
    assert.deepEqual([missing.code, missing.message], ['unknown_subscription', 'follow names sub "nope", which is not a playback on this connection: send play first']);
    client.send({ action: 'play', sub: 'p', channel: 'other', start: T0 });
    client.send({ action: 'view', sub: 'g', view: 'top', follow: 'p' });
    const other = await client.waitFor((m) => m.type === 'error' && m.sub === 'g');
    assert.deepEqual([other.code, other.message], ['invalid_parameter', 'view top reads wiki; it can follow a replay of the channel it reads, and sub p plays other']);
  });
});
