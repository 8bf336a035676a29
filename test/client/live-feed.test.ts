import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { connect, PlayheadClientError, type WebSocketConstructor, type WireFeedItem } from '../../client/index.js';
import { startListeningServer } from '../support/listening-server.js';

const options = { WebSocket: WebSocket as unknown as WebSocketConstructor, minBackoffMs: 20, maxBackoffMs: 100 };

function until(feed: { items: readonly WireFeedItem[]; onChange(l: () => void): () => void }, ids: string[]): Promise<void> {
  const matches = () => JSON.stringify(feed.items.map((item) => item.id)) === JSON.stringify(ids);
  return new Promise((resolve) => {
    if (matches()) return resolve();
    const off = feed.onChange(() => {
      if (matches()) {
        off();
        resolve();
      }
    });
  });
}

describe('playhead/client ph.feed()', () => {
  it('adds, deletes and pages over HTTP, and keeps the live page, across a dropped connection', async (t) => {
    const server = await startListeningServer(t);
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    const feed = ph.feed('user:ann', { limit: 3 });
    await feed.ready;
    assert.deepEqual(feed.items, []);
    const reply = await feed.add([{ id: 1, time: 1 }, { id: 'b', time: 2, data: { title: 'Berlin' } }]);
    assert.deepEqual(reply.items, [{ title: 'Berlin' }, '1']);
    await until(feed, ['b', '1']);
    assert.deepEqual(feed.items, [{ id: 'b', time: 2, data: { title: 'Berlin' } }, { id: '1', time: 1 }]);
    ph.drop();
    await feed.add([{ id: 'c', time: 3 }, { id: 'd', time: 4 }]);
    await until(feed, ['d', 'c', 'b']);
    await feed.delete('d');
    await until(feed, ['c', 'b', '1']);
    const pages: unknown[][] = [];
    for await (const page of feed.pages({ limit: 2 })) pages.push([...page.items]);
    assert.deepEqual(pages, [['c', { title: 'Berlin' }], ['1']]);
    await assert.rejects(feed.add({ id: '' }), (error: unknown) => error instanceof PlayheadClientError && error.code === 'invalid_item');
  });
});
