import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessPolicy } from '../../../src/server/auth/access-policy.js';
import { startTestServer } from '../../support/test-server.js';

const policy = new AccessPolicy({
  reader: ['read:wiki*'],
  writer: 'write:sensors.* read:sensors.*',
  root: ['admin'],
});
const json = { 'content-type': 'application/json' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('AccessPolicy', () => {
  it('matches scopes by action and channel glob; admin allows all', () => {
    assert.equal(policy.authenticate('reader')?.allows('read', 'wikipedia'), true);
    assert.equal(policy.authenticate('reader')?.allows('read', 'sensors.a'), false);
    assert.equal(policy.authenticate('reader')?.allows('write', 'wikipedia'), false);
    assert.equal(policy.authenticate('writer')?.allows('write', 'sensors.a'), true);
    assert.equal(policy.authenticate('writer')?.allows('write', 'sensorsXa'), false, '. in a pattern is literal');
    assert.equal(policy.authenticate('root')?.allows('write', 'anything'), true);
    assert.equal(policy.authenticate('nobody'), undefined);
    assert.equal(policy.authenticate('__proto__'), undefined);
  });

  it('refuses what a scope does not cover with the scope that would, and lets the rest through', () => {
    const reader = policy.authenticate('reader');
    assert.throws(() => reader?.require('read', 'sensors.a', 'read channel sensors.a of view v'), {
      code: 'forbidden', message: 'the token may not read channel sensors.a of view v: it needs scope read:sensors.a',
    });
    assert.throws(() => reader?.require('write', 'wikipedia'), { message: 'the token may not write channel wikipedia: it needs scope write:wikipedia' });
    assert.doesNotThrow(() => reader?.require('read', 'wikipedia'));
  });

  it('refuses malformed scopes at startup with the token masked', () => {
    assert.throws(() => new AccessPolicy({ secret123: ['delete:*'] }), { name: 'TypeError', message: 'token secr…: scope "delete:*" is not "admin", "read:PATTERN" or "write:PATTERN"' });
  });
});

describe('auth on HTTP routes', () => {
  it('answers 401 without a token or with an unknown one, and 403 outside the scopes', async (t) => {
    const { app } = await startTestServer(t, { access: policy });
    const none = await app.inject({ url: '/v1/channels/wikipedia/events' });
    assert.equal(none.statusCode, 401);
    assert.deepEqual(none.json().error, { code: 'unauthorized', message: 'this server requires a token: send "Authorization: Bearer TOKEN" or ?token=TOKEN' });
    const unknown = await app.inject({ url: '/v1/channels/wikipedia/events', headers: bearer('guess') });
    assert.equal(unknown.statusCode, 401);
    const denied = await app.inject({ method: 'POST', url: '/v1/channels/wikipedia/events', headers: { ...json, ...bearer('reader') }, payload: { data: 1 } });
    assert.equal(denied.statusCode, 403);
    assert.deepEqual(denied.json().error, { code: 'forbidden', message: 'the token may not write channel wikipedia: it needs scope write:wikipedia' });
  });

  it('allows what the scopes cover, by header or ?token=', async (t) => {
    const { app } = await startTestServer(t, { access: policy });
    const write = await app.inject({ method: 'POST', url: '/v1/channels/sensors.t1/events', headers: { ...json, ...bearer('writer') }, payload: { data: 1 } });
    assert.equal(write.statusCode, 201);
    await app.inject({ method: 'POST', url: '/v1/channels/wikipedia/events', headers: { ...json, ...bearer('root') }, payload: { data: 2 } });
    const read = await app.inject({ url: '/v1/channels/sensors.t1/events?token=writer' });
    assert.equal(read.statusCode, 200);
    assert.equal(read.json().events.length, 1);
    const list = await app.inject({ url: '/v1/channels', headers: bearer('reader') });
    assert.deepEqual(list.json().channels.map((c: { name: string }) => c.name), ['wikipedia'], 'lists only readable channels');
  });

  it('keeps /healthz open for load balancers', async (t) => {
    const { app } = await startTestServer(t, { access: policy });
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  });
});

describe('the dashboard route', () => {
  it('answers / without a token, saying how to build the dashboard when it is missing', async (t) => {
    const { app } = await startTestServer(t, { access: policy, dashboardDir: '/nonexistent' });
    const reply = await app.inject({ url: '/' });
    assert.equal(reply.statusCode, 200);
    assert.match(reply.body, /The dashboard is not built: run "npm run build"/);
    assert.equal((await app.inject({ url: '/v1/channels' })).statusCode, 401, 'the API still needs a token');
  });
});
