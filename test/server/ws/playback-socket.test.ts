import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessPolicy } from '../../../src/server/auth/access-policy.js';
import { startListeningServer } from '../../support/listening-server.js';
import { TestClient, type Message } from '../../support/ws-client.js';

const T0 = Date.UTC(2016, 0, 15, 14, 32, 24);
/** Sends each input and checks the error it gets: code, and the whole message unless '' is given. */
async function expectErrors(client: TestClient, cases: readonly (readonly [unknown, string, string])[]): Promise<void> {
  for (const [input, code, message] of cases) {
    const from = client.messages.length;
    client.send(input);
    const error = await client.waitFor((m) => m.type === 'error', from);
    assert.equal(error.code, code, JSON.stringify(input));
    if (message !== '') assert.equal(error.message, message);
  }
}

const window = (count: number, stepMs: number) => Array.from({ length: count }, (_, i) => ({ time: T0 + i * stepMs, id: `e${i}`, data: { i } }));

describe('WebSocket /v1/channels/{channel}/ws', () => {
  it('sends the channel live to a client that sends nothing', async (t) => {
    const server = await startListeningServer(t);
    const client = await TestClient.connect(`${server.ws}/v1/channels/sensors/ws`);
    t.after(() => client.close());
    await client.waitFor((m) => m.type === 'state' && m.status === 'live');
    await server.post('sensors', [{ data: { celsius: 21.5 } }]);
    const event = await client.waitFor((m) => m.type === 'event');
    assert.deepEqual({ ...event, ts: 0, time: '' }, { type: 'event', channel: 'sensors', seq: 1, ts: 0, time: '', id: null, data: { celsius: 21.5 } });
  });

  it('plays the documented play message exactly as written, in order, then ends', async (t) => {
    const server = await startListeningServer(t);
    await server.post('wiki', window(30, 2_000));
    const client = await TestClient.connect(`${server.ws}/v1/channels/wiki/ws`);
    t.after(() => client.close());
    client.send({ action: 'play', start: '2016-01-15T14:32:24Z', end: '2016-01-15T14:33:24Z', speed: 1, loop: 'False' });
    await client.waitFor((m) => m.type === 'state' && m.status === 'playing');
    client.send({ action: 'speed', speed: 600 });
    await client.waitFor((m) => m.type === 'state' && m.status === 'ended');
    const events = client.of('event');
    assert.deepEqual(events.map((e) => (e.data as { i: number }).i), Array.from({ length: 30 }, (_, i) => i));
    const ended = client.of('state').at(-1) as Message;
    assert.deepEqual({ ...ended }, { type: 'state', status: 'ended', position: T0 + 60_000, time: '2016-01-15T14:33:24.000Z', speed: 600, loop: false, start: T0, end: T0 + 60_000, iteration: 0 });
  });

  it('answers every bad input with an error and keeps the connection and session', async (t) => {
    const server = await startListeningServer(t, { websocket: { maxFrameBytes: 1_000 } });
    await server.post('wiki', window(5, 1_000));
    const client = await TestClient.connect(`${server.ws}/v1/channels/wiki/ws`);
    t.after(() => client.close());
    client.send({ action: 'play', start: T0, end: T0 + 5_000, speed: 0.001 });
    await client.waitFor((m) => m.type === 'state' && m.status === 'playing');
    const cases: [unknown, string, string][] = [
      [{ action: 'rewind' }, 'unknown_action', 'unknown action "rewind": expected one of play, pause, resume, seek, speed, loop, step, live, stop, view, scene, transform, timeline, feed'],
      ['not json', 'invalid_json', ''],
      [{ action: 'play', start: T0 + 5_000, end: T0 }, 'invalid_parameter', ''],
      [{ action: 'speed', speed: 0 }, 'invalid_parameter', 'speed must be a number from 0.0001 to 1000000 (negative plays backwards), got 0'],
      [{ action: 'speed', speed: 'fast' }, 'invalid_parameter', 'speed must be a number, got "fast"'],
      [{ action: 'play', start: 'yesterday' }, 'invalid_time', ''],
      [{ action: 'step', count: 1 }, 'invalid_state', 'step works while paused, and the session is playing: send pause first'],
      [{ action: 'play', colour: 'red' }, 'invalid_parameter', 'play does not take field "colour": it takes start, end, speed, fit, loop, minGap, maxGap, after, output, device'],
      [{ action: 'play', data: 'x'.repeat(2_000) }, 'payload_too_large', 'frame is 2027 bytes, over the limit of 1000'],
      [[1, 2], 'invalid_parameter', 'a message must be a JSON object like {"action":"play"}'],
    ];
    await expectErrors(client, cases);
    client.send({ action: 'pause' });
    const state = await client.waitFor((m) => m.type === 'state' && m.status === 'paused');
    assert.equal(state.speed, 0.001, 'the session kept its state through the errors');
  });

  it('refuses the upgrade with 401/403/404 statuses', async (t) => {
    const server = await startListeningServer(t, { access: new AccessPolicy({ reader: ['read:wiki*'] }) });
    const client = await TestClient.connect(`${server.ws}/v1/channels/wikipedia/ws?token=reader`);
    client.close();
    await assert.rejects(TestClient.connect(`${server.ws}/v1/channels/wikipedia/ws`), /Unexpected server response: 401/);
    await assert.rejects(TestClient.connect(`${server.ws}/v1/channels/secret/ws?token=reader`), /Unexpected server response: 403/);
    await assert.rejects(TestClient.connect(`${server.ws}/v1/nowhere?token=reader`), /Unexpected server response: 404/);
  });
});

describe('WebSocket /v1/ws', () => {
  it('plays several channels on one connection, each message carrying its sub', async (t) => {
    const server = await startListeningServer(t);
    await server.post('a', window(3, 100));
    await server.post('b', window(4, 100));
    const client = await TestClient.connect(`${server.ws}/v1/ws`);
    t.after(() => client.close());
    client.send({ action: 'play', sub: 'one', channel: 'a', start: T0, end: T0 + 1_000, speed: 100 });
    client.send({ action: 'play', sub: 'two', channel: 'b', start: T0, end: T0 + 1_000, speed: 100 });
    await client.waitFor((m) => m.type === 'state' && m.sub === 'one' && m.status === 'ended');
    await client.waitFor((m) => m.type === 'state' && m.sub === 'two' && m.status === 'ended');
    const events = client.of('event');
    assert.deepEqual(events.filter((e) => e.sub === 'one').map((e) => e.channel), ['a', 'a', 'a']);
    assert.deepEqual(events.filter((e) => e.sub === 'two').map((e) => e.seq), [1, 2, 3, 4]);
  });

  it('requires sub, a channel to open one, and a known sub for controls', async (t) => {
    const server = await startListeningServer(t);
    const client = await TestClient.connect(`${server.ws}/v1/ws`);
    t.after(() => client.close());
    const cases: [unknown, string, string][] = [
      [{ action: 'play', channel: 'a' }, 'invalid_parameter', 'every message on /v1/ws needs "sub", the id you choose for the subscription'],
      [{ action: 'play', sub: 's' }, 'invalid_parameter', 'play on /v1/ws needs "channel" to open sub s'],
      [{ action: 'pause', sub: 'nope' }, 'unknown_subscription', 'sub "nope" is not open: send play or live with a channel first'],
      [{ action: 'live', sub: 's', channel: 'bad name' }, 'invalid_channel', ''],
    ];
    await expectErrors(client, cases);
    assert.equal(client.of('error').find((e) => e.code === 'unknown_subscription')?.sub, 'nope');
  });
});

describe('WebSocket backpressure', () => {
  it('tells a live consumer that stopped reading slow_consumer and closes with 1013', async (t) => {
    const server = await startListeningServer(t, { websocket: { maxBufferedBytes: 64 << 10 } });
    const client = await TestClient.connect(`${server.ws}/v1/channels/flood/ws`);
    t.after(() => client.close());
    await client.waitFor((m) => m.type === 'state' && m.status === 'live');
    const raw = (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const big = 'x'.repeat(200_000);
    for (let i = 0; i < 40; i += 1) await server.post('flood', [{ data: big }]);
    const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
    raw.resume();
    assert.equal(await closed, 1013);
    const error = client.of('error').at(-1);
    assert.equal(error?.code, 'slow_consumer');
    assert.ok(client.of('event').length < 40, 'the server gave up instead of buffering everything');
  });
});
