/**
 * A timeline following a replay on /v1/ws: the video-player example
 * replayed at 10x, the results arriving as the replay reaches them,
 * including the change at 7 s that no event marks; a seek back rebuilds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startListeningServer } from '../../support/listening-server.js';
import { TestClient, type Message } from '../../support/ws-client.js';
import { REBUFFERING_QUERY } from '../../../src/cli/video-sessions.js';

const T0 = Date.UTC(2026, 0, 1, 20);
const QUERY = REBUFFERING_QUERY;

async function replaying(t: Parameters<typeof startListeningServer>[0]) {
  const server = await startListeningServer(t);
  await server.post('player', [['play', 1], ['seek', 2], ['buffer', 3], ['play', 10]].map(([state, s]) => ({ time: T0 + (s as number) * 1_000, data: { session: 's1', playerStateChange: state } })));
  const created = await fetch(`${server.http}/v1/timelines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'rebuffering', channel: 'player', key: 'data.session', query: QUERY }) });
  assert.equal(created.status, 201);
  const client = await TestClient.connect(`${server.ws}/v1/ws`);
  t.after(() => client.close());
  return { server, client };
}

const changes = (messages: readonly Message[], from = 0) => messages.slice(from).filter((m) => m.type === 'timeline' && m.sub === 'tl').map((m) => [(m.at as number) - T0, m.value, m.rate ?? null]);

describe('WebSocket timelines following a replay', () => {
  it('sends each change as the replay reaches it, the one no event marks included', async (t) => {
    const { client } = await replaying(t);
    client.send({ action: 'play', sub: 'p', channel: 'player', start: T0, end: T0 + 12_000, speed: 10 });
    client.send({ action: 'timeline', sub: 'tl', timeline: 'rebuffering', key: 's1', follow: 'p' });
    await client.waitFor((m) => m.sub === 'p' && m.type === 'state' && m.status === 'ended');
    const seen = changes(client.messages);
    assert.deepEqual(seen.slice(-2), [[7_000, 0, 1], [10_000, 3, null]], `the replayed results end as the issue says: ${JSON.stringify(seen)}`);
    const rising = client.messages.find((m) => m.sub === 'tl' && m.at === T0 + 7_000) as Message;
    const buffer = client.messages.findIndex((m) => m.sub === 'p' && m.type === 'event' && (m.data as { playerStateChange: string }).playerStateChange === 'buffer');
    const lastPlay = client.messages.findIndex((m) => m.sub === 'p' && m.type === 'event' && m.ts === T0 + 10_000);
    const sevenAt = client.messages.indexOf(rising);
    assert.ok(buffer < sevenAt && sevenAt < lastPlay, 'the 7 s change arrives between the buffer event and the play at 10 s, in replay order');
  });

  it('starts again from the value at the playhead after a seek back, and refuses what it cannot follow', async (t) => {
    const { client } = await replaying(t);
    client.send({ action: 'play', sub: 'p', channel: 'player', start: T0, end: T0 + 12_000, speed: 20 });
    client.send({ action: 'timeline', sub: 'tl', timeline: 'rebuffering', key: 's1', follow: 'p' });
    await client.waitFor((m) => m.sub === 'p' && m.type === 'state' && m.status === 'ended');
    const from = client.messages.length;
    client.send({ action: 'seek', sub: 'p', to: T0 + 9_000 });
    const value = await client.waitFor((m) => m.sub === 'tl' && m.type === 'timeline', from);
    const atS = ((value.at as number) - T0) / 1_000;
    assert.ok(atS >= 9 && atS < 10, `the value is sent at the playhead after the seek (${atS} s)`);
    assert.deepEqual([value.value, value.rate], [Math.round((atS - 7) * 1_000) / 1_000, 1], 'growing since 7 s, one second per second');
    client.send({ action: 'timeline', sub: 'x', timeline: 'rebuffering', follow: 'nope' });
    const refused = await client.waitFor((m) => m.type === 'error' && m.sub === 'x');
    assert.equal(refused.code, 'unknown_subscription');
  });
});
