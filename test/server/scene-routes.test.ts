import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import { AccessPolicy } from '../../src/server/auth/access-policy.js';
import { startTestServer } from '../support/test-server.js';

const json = { 'content-type': 'application/json' };

describe('/v1/scenes', () => {
  it('creates, lists, gets and deletes scenes', async (t) => {
    const { app } = await startTestServer(t);
    const created = await app.inject({ method: 'POST', url: '/v1/scenes', headers: json, payload: { name: 'lab', metadata: { floor: 2 } } });
    assert.equal(created.statusCode, 201);
    assert.deepEqual(created.json(), { name: 'lab', index: 1, auth: false, metadata: { floor: 2 }, channel: 'scene.lab', udpPort: null, objects: 0, devices: 0 });
    assert.deepEqual((await app.inject({ url: '/v1/scenes' })).json().scenes.map((s: { name: string }) => s.name), ['lab']);
    assert.equal((await app.inject({ url: '/v1/scenes/lab' })).json().index, 1);
    const again = await app.inject({ method: 'POST', url: '/v1/scenes', headers: json, payload: { name: 'lab' } });
    assert.deepEqual([again.statusCode, again.json()], [409, { error: { code: 'scene_exists', message: 'scene lab exists already: DELETE /v1/scenes/lab first' } }]);
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/scenes/lab' })).statusCode, 204);
    const gone = await app.inject({ url: '/v1/scenes/lab' });
    assert.deepEqual([gone.statusCode, gone.json()], [404, { error: { code: 'unknown_scene', message: 'no scene named "lab": create it with POST /v1/scenes' } }]);
  });

  it('manages objects: transform with Euler degrees converted, attributes updated, deleted', async (t) => {
    const { app, clock } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/scenes', headers: json, payload: { name: 'lab' } });
    const created = await app.inject({
      method: 'POST', url: '/v1/scenes/lab/objects', headers: json,
      payload: { name: 'cube1', type: 'cube', metadata: { color: 'red' }, location: [1, 2, 3], rotation: { euler: [0, 0, 180] } },
    });
    assert.equal(created.statusCode, 201);
    const body = created.json();
    assert.equal(body.index, 1);
    assert.deepEqual(body.location, [1, 2, 3]);
    assert.ok(Math.abs(body.rotation[2] - 1) < 1e-12 && Math.abs(body.rotation[3]) < 1e-12, JSON.stringify(body.rotation));
    assert.equal(body.seq, 1);
    const patched = await app.inject({ method: 'PATCH', url: '/v1/scenes/lab/objects/cube1', headers: json, payload: { name: 'box', scale: [2, 2, 2] } });
    assert.deepEqual([patched.json().object, patched.json().scale, patched.json().seq, patched.json().type], ['box', [2, 2, 2], 2, 'cube']);
    clock.advance(0);
    assert.deepEqual((await app.inject({ url: '/v1/scenes/lab/objects' })).json().objects.map((o: { object: string }) => o.object), ['box']);
    const missing = await app.inject({ url: '/v1/scenes/lab/objects/cube1' });
    assert.deepEqual([missing.statusCode, missing.json().error.code], [404, 'unknown_object']);
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/scenes/lab/objects/box' })).statusCode, 204);
    assert.deepEqual((await app.inject({ url: '/v1/scenes/lab/objects' })).json().objects, []);
  });

  it('refuses NaN/Infinity, bad names and unknown fields with a structured error', async (t) => {
    const { app } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/scenes', headers: json, payload: { name: 'lab' } });
    const infinite = await app.inject({ method: 'POST', url: '/v1/scenes/lab/objects', headers: json, payload: '{"name":"a","location":[1e999,0,0]}' });
    assert.deepEqual([infinite.statusCode, infinite.json()], [400, { error: { code: 'invalid_parameter', message: 'location[0] must be a finite number, got Infinity' } }]);
    const badName = await app.inject({ method: 'POST', url: '/v1/scenes', headers: json, payload: { name: 'a b' } });
    assert.deepEqual([badName.statusCode, badName.json().error.code], [400, 'invalid_parameter']);
    const extra = await app.inject({ method: 'POST', url: '/v1/scenes/lab/objects', headers: json, payload: { name: 'a', position: [1, 2, 3] } });
    assert.deepEqual([extra.statusCode, extra.json().error.code], [400, 'invalid_parameter']);
    const noUdp = await app.inject({ method: 'POST', url: '/v1/scenes/lab/devices', headers: json, payload: { udp: '127.0.0.1:9000' } });
    assert.deepEqual([noUdp.statusCode, noUdp.json().error.message], [400, 'this server binds no scene UDP port: start it with --scene-udp-port, or join the scene over /v1/ws']);
  });

  it('keeps scene names like __proto__ apart, and scenes, objects and transforms across a restart', async (t) => {
    const { app, store, clock } = await startTestServer(t);
    await app.inject({ method: 'POST', url: '/v1/scenes', headers: json, payload: { name: '__proto__' } });
    await app.inject({ method: 'POST', url: '/v1/scenes/__proto__/objects', headers: json, payload: { name: 'constructor', location: [5, 6, 7] } });
    clock.advance(0);
    await app.close();
    const restarted = await buildServer({ store, bus: new InProcessBus() });
    t.after(() => restarted.close());
    const objects = (await restarted.inject({ url: '/v1/scenes/__proto__/objects' })).json().objects;
    assert.deepEqual(objects.map((o: { object: string; location: number[] }) => [o.object, o.location]), [['constructor', [5, 6, 7]]]);
    assert.equal((await restarted.inject({ url: '/v1/scenes/constructor' })).statusCode, 404);
  });

  it('needs the scope on the scene\'s channel scene.{scene}', async (t) => {
    const access = new AccessPolicy({ lab: 'read:scene.lab write:scene.lab', viewer: 'read:scene.*', other: 'write:scene.other read:scene.other' });
    const { app } = await startTestServer(t, { access });
    const as = (token: string) => ({ ...json, authorization: `Bearer ${token}` });
    assert.equal((await app.inject({ method: 'POST', url: '/v1/scenes', headers: as('lab'), payload: { name: 'lab' } })).statusCode, 201);
    const denied = await app.inject({ method: 'POST', url: '/v1/scenes', headers: as('lab'), payload: { name: 'secret' } });
    assert.deepEqual([denied.statusCode, denied.json().error], [403, { code: 'forbidden', message: 'the token may not write scene secret: it needs scope write:scene.secret' }]);
    assert.equal((await app.inject({ url: '/v1/scenes/lab/objects', headers: as('viewer') })).statusCode, 200);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/scenes/lab/objects', headers: as('viewer'), payload: { name: 'a' } })).statusCode, 403);
    assert.equal((await app.inject({ url: '/v1/scenes/lab/stats', headers: as('other') })).statusCode, 403);
    assert.deepEqual((await app.inject({ url: '/v1/scenes', headers: as('other') })).json().scenes, []);
  });
});
