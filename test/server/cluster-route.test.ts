import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer, TEST_NOW } from '../support/test-server.js';

describe('GET /v1/cluster', () => {
  it('answers this node alone on the local bus, owning every feed rule', async (t) => {
    const { app } = await startTestServer(t);
    const rule = { name: 'by-user', channel: 'edits', feed: 'user:{data.user}', id: 'data.id' };
    assert.equal((await app.inject({ method: 'POST', url: '/v1/feeds/rules', payload: rule })).statusCode, 201);
    const reply = await app.inject({ url: '/v1/cluster' });
    assert.equal(reply.statusCode, 200);
    assert.deepEqual(reply.json(), { node: 'local', bus: 'local', nodes: [{ id: 'local', startedAt: TEST_NOW, lastSeenAt: TEST_NOW, owns: ['feed-rule:by-user'] }], leases: { 'feed-rule:by-user': 'local' } });
  });
});
