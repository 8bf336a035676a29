import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { startListeningServer } from '../../support/listening-server.js';
import { TEST_NOW } from '../../support/test-server.js';
import { TestClient } from '../../support/ws-client.js';
import { REBUFFERING_QUERY } from '../../../src/cli/video-sessions.js';
import { timelineChangesTopic } from '../../../src/timeline/timeline-registry.js';

const S = 1_000;
const REBUFFERING = REBUFFERING_QUERY;
const player = (seconds: number, state: string, session = 's1') => ({ time: TEST_NOW + seconds * S, data: { session, playerStateChange: state } });

async function withTimeline(t: Parameters<typeof startListeningServer>[0]) {
  const clock = new VirtualClock(TEST_NOW);
  const server = await startListeningServer(t, { clock });
  const created = await fetch(`${server.http}/v1/timelines`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'rebuffering', channel: 'player', key: 'data.session', query: REBUFFERING }),
  });
  assert.equal(created.status, 201);
  const client = await TestClient.connect(`${server.ws}/v1/ws`);
  t.after(() => client.close());
  return { server, client, clock };
}

describe('WebSocket timeline subscriptions', () => {
  it('sends the key\'s value now, then its changes live, the window end at 7 s included', async (t) => {
    const { server, client, clock } = await withTimeline(t);
    client.send({ action: 'timeline', sub: 't', timeline: 'rebuffering', key: 's1' });
    assert.deepEqual(await client.waitFor((m) => m.type === 'timeline'), { type: 'timeline', sub: 't', timeline: 'rebuffering', key: 's1', at: TEST_NOW, value: null });
    clock.advance(3 * S);
    await server.post('player', [player(1, 'play'), player(2, 'seek'), player(3, 'buffer'), player(3, 'buffer', 'other')]);
    await client.waitFor((m) => m.type === 'timeline' && m.at === TEST_NOW + 1 * S);
    clock.advance(4 * S);
    assert.deepEqual(await client.waitFor((m) => m.type === 'timeline' && m.at === TEST_NOW + 7 * S), {
      type: 'timeline', sub: 't', timeline: 'rebuffering', key: 's1', at: TEST_NOW + 7 * S, value: 0, rate: 1,
    });
    clock.advance(3 * S);
    await server.post('player', [player(10, 'play')]);
    assert.deepEqual(await client.waitFor((m) => m.type === 'timeline' && m.at === TEST_NOW + 10 * S), {
      type: 'timeline', sub: 't', timeline: 'rebuffering', key: 's1', at: TEST_NOW + 10 * S, value: 3,
    });
    assert.deepEqual(client.of('timeline').map((m) => m.at), [TEST_NOW, TEST_NOW + 1 * S, TEST_NOW + 7 * S, TEST_NOW + 10 * S]);
    assert.ok(client.of('timeline').every((m) => m.key === 's1'), 'only the key asked for');
  });

  it('streams every key without "key", and stops on stop', async (t) => {
    const { server, client } = await withTimeline(t);
    client.send({ action: 'timeline', sub: 'all', timeline: 'rebuffering' });
    await server.post('player', [player(1, 'play', 'a'), player(1, 'play', 'b')]);
    await client.waitFor(() => client.of('timeline').length === 2);
    assert.deepEqual(client.of('timeline').map((m) => m.key).sort(), ['a', 'b']);
    client.send({ action: 'stop', sub: 'all' });
    client.send({ action: 'timeline', sub: 'x', timeline: 'nope' });
    assert.deepEqual(await client.waitFor((m) => m.type === 'error'), {
      type: 'error', sub: 'x', code: 'unknown_timeline', message: 'no timeline named nope: create it with POST /v1/timelines',
    });
    await server.post('player', [player(2, 'play', 'c')]);
    client.send({ action: 'timeline', sub: 'y', timeline: 'rebuffering', key: 'c' });
    await client.waitFor((m) => m.type === 'timeline' && m.sub === 'y');
    assert.equal(client.of('timeline').filter((m) => m.sub === 'all').length, 2, 'nothing after stop');
    client.send({ action: 'timeline', sub: 'z' });
    assert.deepEqual(await client.waitFor((m) => m.type === 'error' && m.code === 'invalid_parameter'), { type: 'error', code: 'invalid_parameter', message: 'timeline needs field "timeline"' });
  });

  it('where changes may have been lost between nodes, sends a key\'s value again, and tells a subscription to every key', async (t) => {
    const { server, client, clock } = await withTimeline(t);
    client.send({ action: 'timeline', sub: 'one', timeline: 'rebuffering', key: 's1' });
    client.send({ action: 'timeline', sub: 'all', timeline: 'rebuffering' });
    await client.waitFor((m) => m.type === 'timeline' && m.sub === 'one');
    clock.advance(2 * S);
    // A bus says "notices on this topic may have been lost" with null (live-bus.ts); the first timeline stored has id 1.
    server.bus.notify(timelineChangesTopic(1), null);
    assert.deepEqual(await client.waitFor((m) => m.type === 'timeline_missed'), { type: 'timeline_missed', sub: 'all', timeline: 'rebuffering', at: TEST_NOW + 2 * S });
    assert.deepEqual(await client.waitFor((m) => m.type === 'timeline' && m.sub === 'one' && m.at === TEST_NOW + 2 * S), {
      type: 'timeline', sub: 'one', timeline: 'rebuffering', key: 's1', at: TEST_NOW + 2 * S, value: null,
    });
  });
});
