import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { connect, PlayheadClientError, type WebSocketConstructor, type WireEvent } from '../../client/index.js';
import { startListeningServer } from '../support/listening-server.js';

const T0 = Date.UTC(2016, 0, 15, 14, 32, 24);
const options = { WebSocket: WebSocket as unknown as WebSocketConstructor, minBackoffMs: 20, maxBackoffMs: 100 };

async function seeded(t: Parameters<typeof startListeningServer>[0], count: number, stepMs: number) {
  const server = await startListeningServer(t);
  await server.post('wiki', Array.from({ length: count }, (_, i) => ({ time: T0 + i * stepMs, id: `e${i}`, data: { i } })));
  return server;
}

function untilState(p: { onState(l: (s: { status: string }) => void): () => void }, status: string): Promise<void> {
  return new Promise((resolve) => {
    const off = p.onState((state) => {
      if (state.status === status) {
        off();
        resolve();
      }
    });
  });
}

describe('playhead/client connect()', () => {
  it('plays a window and yields its events through for await, in order', async (t) => {
    const server = await seeded(t, 20, 100);
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    const p = ph.channel('wiki').play({ start: T0, end: T0 + 2_000, speed: 50 });
    const seen: number[] = [];
    for await (const event of p) seen.push((event.data as { i: number }).i);
    assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i));
    assert.equal(p.state?.status, 'ended');
  });

  it('drives pause, resume, speed, seek and step, with state following', async (t) => {
    const server = await seeded(t, 50, 1_000);
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    const p = ph.channel('wiki').play({ start: T0, end: T0 + 50_000, speed: 1 });
    await p.ready;
    p.pause();
    await untilState(p, 'paused');
    const events: WireEvent[] = [];
    p.onEvent((event) => events.push(event));
    p.seek(T0 + 10_000);
    p.step(3);
    await new Promise<void>((resolve) => p.onState((s) => s.position === T0 + 12_000 && resolve()));
    assert.deepEqual(events.map((e) => (e.data as { i: number }).i), [10, 11, 12]);
    p.speed(1_000);
    p.resume();
    await untilState(p, 'ended');
    assert.equal(events.length, 40);
    assert.equal(p.state?.speed, 1_000);
  });

  it('resumes after a dropped connection with no event lost or repeated', async (t) => {
    const server = await seeded(t, 300, 100);
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    const statuses: boolean[] = [];
    ph.onConnection((connected) => statuses.push(connected));
    const p = ph.channel('wiki').play({ start: T0, end: T0 + 30_000, speed: 40 });
    const seqs: number[] = [];
    p.onEvent((event) => {
      seqs.push(event.seq);
      if (seqs.length === 100 || seqs.length === 200) ph.drop();
    });
    await untilState(p, 'ended');
    assert.deepEqual(seqs, Array.from({ length: 300 }, (_, i) => i + 1));
    assert.ok(statuses.filter((s) => !s).length >= 2, 'the connection really dropped twice');
  });

  it('resumes a live subscription after a drop, catching up what was written meanwhile', async (t) => {
    const server = await startListeningServer(t);
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    const p = ph.channel('feed').live();
    await p.ready;
    const seqs: number[] = [];
    const waiters = new Map<number, () => void>();
    p.onEvent((event) => {
      seqs.push(event.seq);
      waiters.get(event.seq)?.();
    });
    const delivered = (seq: number) => new Promise<void>((resolve) => waiters.set(seq, resolve));
    const first = delivered(1);
    await server.post('feed', [{ data: 1 }]);
    await first;
    const reconnected = new Promise<void>((resolve) => ph.onConnection((up) => up && resolve()));
    ph.drop();
    await server.post('feed', [{ data: 2 }, { data: 3 }]);
    await reconnected;
    const fourth = delivered(4);
    await server.post('feed', [{ data: 4 }]);
    await fourth;
    assert.deepEqual(seqs, [1, 2, 3, 4]);
  });

  it('plays on a connection that is already open', async (t) => {
    const server = await seeded(t, 3, 10);
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    await new Promise<void>((resolve) => ph.onConnection((up) => up && resolve()));
    const p = ph.channel('wiki').play({ start: T0, end: T0 + 100, speed: 10 });
    const seen: number[] = [];
    for await (const event of p) seen.push(event.seq);
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('surfaces server errors as PlayheadClientError with code and message', async (t) => {
    const server = await seeded(t, 1, 1);
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    const p = ph.channel('wiki').play({ start: T0 + 1_000, end: T0 });
    await assert.rejects(p.ready, (error: unknown) => {
      assert.ok(error instanceof PlayheadClientError);
      assert.equal(error.code, 'invalid_parameter');
      assert.match(error.message, /^end must be after start/);
      return true;
    });
  });

  it('explains what to pass where there is no global WebSocket', () => {
    if ('WebSocket' in globalThis) return;
    assert.throws(() => connect('ws://127.0.0.1:1'), { name: 'TypeError', message: 'no global WebSocket here: pass connect(url, { WebSocket }) (in Node 20, the "ws" package)' });
  });
});

describe('playhead/client ph.view()', () => {
  it('keeps rows equal to the server view, across a dropped connection', async (t) => {
    const server = await startListeningServer(t);
    const post = (users: string[]) => server.post('wiki', users.map((user) => ({ data: { user } })));
    await post(['ann', 'ann', 'bob']);
    await fetch(`${server.http}/v1/views`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'CREATE VIEW top AS SELECT data.user AS user, count(*) AS n FROM wiki GROUP BY data.user ORDER BY n DESC LIMIT 2' }),
    });
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    const view = ph.view('top');
    await view.ready;
    assert.deepEqual(view.rows, [{ user: 'ann', n: 2 }, { user: 'bob', n: 1 }]);
    const sameAsServer = async () => {
      const expected = ((await (await fetch(`${server.http}/v1/views/top`)).json()) as { rows: unknown[] }).rows;
      const key = (rows: readonly unknown[]) => rows.map((row) => JSON.stringify(row)).sort().join();
      for (let attempt = 0; attempt < 100 && key(view.rows) !== key(expected); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(key(view.rows), key(expected));
    };
    await post(['cat', 'cat', 'cat']);
    await sameAsServer();
    ph.drop();
    await post(['dan', 'dan', 'dan', 'dan']);
    await sameAsServer();
  });

  it('gives the rows as of a past time, and rows that move with a replay it follows', async (t) => {
    const server = await seeded(t, 20, 100);
    await fetch(`${server.http}/v1/views`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'CREATE VIEW played AS SELECT count(*) AS n, max(data.i) AS last FROM wiki' }),
    });
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    const past = ph.view('played', { asOf: T0 + 450 });
    await past.ready;
    assert.deepEqual(past.rows, [{ n: 5, last: 4 }]);
    const replay = ph.channel('wiki').play({ start: T0, end: T0 + 1_000, speed: 10 });
    const view = ph.view('played', { follow: replay });
    const seen: unknown[] = [];
    view.onChange((rows) => seen.push(rows[0]));
    await untilState(replay, 'ended');
    assert.deepEqual(view.rows, [{ n: 10, last: 9 }], 'the events the replay of [T0, T0 + 1 s) delivered');
    assert.ok(seen.length > 2, `the rows changed as the replay played (${seen.length} changes)`);
  });

  it('rejects ready with the server error for an unknown view', async (t) => {
    const server = await startListeningServer(t);
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    await assert.rejects(ph.view('nope').ready, { name: 'PlayheadClientError', code: 'unknown_view' });
  });
});
