import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeEvent } from '../../src/core/event.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import { startTestServer, TEST_NOW } from '../support/test-server.js';
import { REBUFFERING_QUERY } from '../../src/cli/video-sessions.js';

const json = { 'content-type': 'application/json' };
const S = 1_000;
const REBUFFERING = REBUFFERING_QUERY;
const DEFINITION = { name: 'rebuffering', channel: 'player', key: 'data.session', query: REBUFFERING };
const player = (seconds: number, state: string, session = 's1', country = 'fr') => ({ time: TEST_NOW + seconds * S, data: { session, playerStateChange: state, country } });
const ACCEPTANCE = [player(1, 'play'), player(2, 'seek'), player(3, 'buffer'), player(10, 'play')];

describe('/v1/timelines', () => {
  it('evaluates the acceptance example over HTTP: value at an instant and intervals', async (t) => {
    const { app } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: ACCEPTANCE.slice(0, 2) });
    const created = await app.inject({ method: 'POST', url: '/v1/timelines', headers: json, payload: DEFINITION });
    assert.equal(created.statusCode, 201);
    assert.deepEqual(created.json(), DEFINITION);
    // History, then live: the last two events arrive after the timeline exists.
    await app.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: ACCEPTANCE.slice(2) });
    const at = async (seconds: number) => (await app.inject({ url: `/v1/timelines/rebuffering/keys/s1?at=${TEST_NOW + seconds * S}` })).json();
    assert.deepEqual(await at(8), { timeline: 'rebuffering', key: 's1', at: TEST_NOW + 8 * S, value: 1, rate: 1 });
    assert.deepEqual(await at(12), { timeline: 'rebuffering', key: 's1', at: TEST_NOW + 12 * S, value: 3 });
    const intervals = (await app.inject({ url: `/v1/timelines/rebuffering/keys/s1?start=${TEST_NOW}&end=${TEST_NOW + 20 * S}` })).json();
    assert.deepEqual(intervals, {
      timeline: 'rebuffering', key: 's1',
      intervals: [
        { start: TEST_NOW, end: TEST_NOW + 1 * S, value: null },
        { start: TEST_NOW + 1 * S, end: TEST_NOW + 7 * S, value: 0 },
        { start: TEST_NOW + 7 * S, end: TEST_NOW + 10 * S, value: 0, rate: 1 },
        { start: TEST_NOW + 10 * S, end: TEST_NOW + 20 * S, value: 3 },
      ],
    });
    const whole = (await app.inject({ url: '/v1/timelines/rebuffering/keys/s1' })).json().intervals;
    assert.deepEqual(whole.at(-1), { start: TEST_NOW + 10 * S, end: null, value: 3 });
    assert.deepEqual((await app.inject({ url: '/v1/timelines/rebuffering/keys/nobody?at=now' })).json().value, null);
    assert.deepEqual((await app.inject({ url: '/v1/timelines' })).json(), { timelines: [DEFINITION] });
  });

  it('aggregates across keys at an instant, grouped by a column', async (t) => {
    const { app } = await startTestServer(t);
    await app.inject({
      method: 'POST', url: '/v1/timelines', headers: json,
      payload: { name: 'buffering', channel: 'player', key: 'session', query: 'latest_event_to_state(playerStateChange) == "buffer" | aggregate(group_by(country), count, sum)' },
    });
    await app.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: [player(1, 'buffer', 'a'), player(1, 'play', 'b'), player(2, 'buffer', 'c', 'de'), player(5, 'play', 'a')] });
    const rows = async (seconds: number) => (await app.inject({ url: `/v1/timelines/buffering/aggregate?at=${TEST_NOW + seconds * S}` })).json().rows;
    assert.deepEqual(await rows(3), [{ group: 'de', count: 1, sum: 1 }, { group: 'fr', count: 2, sum: 1 }]);
    assert.deepEqual(await rows(6), [{ group: 'de', count: 1, sum: 1 }, { group: 'fr', count: 2, sum: 0 }]);
  });

  it('keeps definitions across a restart and forgets deleted ones', async (t) => {
    const { app, store } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/channels/player/events', headers: json, payload: ACCEPTANCE });
    await app.inject({ method: 'POST', url: '/v1/timelines', headers: json, payload: DEFINITION });
    await app.inject({ method: 'POST', url: '/v1/timelines', headers: json, payload: { ...DEFINITION, name: 'gone' } });
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/timelines/gone' })).statusCode, 204);
    // A definition stored by an older version that this one refuses is skipped.
    await store.append('playhead.timelines', [normalizeEvent({ data: { action: 'create', definition: { ...DEFINITION, name: 'broken', query: 'nope(' } } }, { now: TEST_NOW, maxEventBytes: 1 << 20 })]);
    const restarted = await buildServer({ store, bus: new InProcessBus() });
    t.after(() => restarted.close());
    assert.deepEqual((await restarted.inject({ url: '/v1/timelines' })).json().timelines.map((d: { name: string }) => d.name), ['rebuffering']);
    assert.equal((await restarted.inject({ url: `/v1/timelines/rebuffering/keys/s1?at=${TEST_NOW + 9 * S}` })).json().value, 2);
  });

  it('answers bad definitions, duplicates and unknown names with their codes', async (t) => {
    const { app } = await startTestServer(t);
    const post = async (payload: unknown) => (await app.inject({ method: 'POST', url: '/v1/timelines', headers: json, payload: payload as object })).json().error;
    assert.deepEqual(await post({ ...DEFINITION, query: 'duration_where(has_existed(x == 1)' }), {
      code: 'invalid_timeline', message: 'expected ")" closing duration_where(, got end of input (at index 34)', position: 34,
    });
    assert.deepEqual(await post({ ...DEFINITION, name: '__proto__ x' }), { code: 'invalid_parameter', message: 'name must be 1-128 characters of A-Z a-z 0-9 . _ : -, got "__proto__ x"' });
    assert.deepEqual(await post({ ...DEFINITION, key: '' }), { code: 'invalid_parameter', message: 'key must be a path in the event such as "data.session", got ""' });
    assert.deepEqual(await post({ ...DEFINITION, channel: 'a b' }), { code: 'invalid_channel', message: 'channel name must be 1-128 characters of A-Z a-z 0-9 . _ : -, got "a b"' });
    assert.deepEqual(await post({ ...DEFINITION, extra: 1 }), { code: 'invalid_parameter', message: 'unknown field "extra": a timeline has name, channel, key and query' });
    assert.equal((await post({ ...DEFINITION, query: { timeline: { op: 'nope' } } })).message, 'timeline.op must be one of latest_event_to_state, has_existed, has_existed_within, compare, and, or, not, duration_where, duration_in_cur_state, got "nope"');
    assert.equal((await app.inject({ method: 'POST', url: '/v1/timelines', headers: json, payload: { ...DEFINITION, name: '__proto__' } })).statusCode, 201);
    assert.deepEqual(await post({ ...DEFINITION, name: '__proto__' }), { code: 'timeline_exists', message: 'timeline __proto__ exists: DELETE /v1/timelines/__proto__ first' });
    const unknown = await app.inject({ url: '/v1/timelines/constructor/keys/s1?at=now' });
    assert.deepEqual([unknown.statusCode, unknown.json().error], [404, { code: 'unknown_timeline', message: 'no timeline named constructor: create it with POST /v1/timelines' }]);
    const both = await app.inject({ url: '/v1/timelines/__proto__/keys/s1?at=now&start=now' });
    assert.deepEqual(both.json().error, { code: 'invalid_parameter', message: 'send either at= (the value at an instant) or start=/end= (intervals), not both' });
    assert.equal((await app.inject({ url: '/v1/timelines/__proto__/aggregate?at=soon' })).json().error.code, 'invalid_time');
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/timelines/nope' })).json().error.code, 'unknown_timeline');
  });
});
