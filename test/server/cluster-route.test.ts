import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer, TEST_NOW } from '../support/test-server.js';

describe('GET /v1/cluster', () => {
  it('answers this node alone on the local bus', async (t) => {
    const { app } = await startTestServer(t);
    const reply = await app.inject({ url: '/v1/cluster' });
    assert.equal(reply.statusCode, 200);
    assert.deepEqual(reply.json(), { node: 'local', bus: 'local', nodes: [{ id: 'local', startedAt: TEST_NOW, lastSeenAt: TEST_NOW }] });
  });
});
