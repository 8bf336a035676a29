import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeBatch } from '../../src/core/event.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { FEED_DEFAULTS } from '../../src/feeds/feed-config.js';
import { FeedRule } from '../../src/feeds/feed-rule.js';
import { FeedRuleRunner } from '../../src/feeds/feed-rule-runner.js';
import { FeedService } from '../../src/feeds/feed-service.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import type { FeedOperation, FeedStore } from '../../src/store/feed-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { SqliteFeedStore } from '../../src/store/sqlite/sqlite-feed-store.js';

const NOW = Date.UTC(2026, 0, 1);

describe('FeedRuleRunner batches', () => {
  it('writes the rule bound once per feed, not with every batch', async () => {
    const events = SqliteStore.open({ path: ':memory:' });
    const inner = SqliteFeedStore.open({ path: ':memory:' });
    const writes: (readonly FeedOperation[])[] = [];
    const store: FeedStore = {
      read: (key, request) => inner.read(key, request),
      write: (operations, options) => {
        writes.push(operations);
        return inner.write(operations, options);
      },
      rulePosition: (rule) => inner.rulePosition(rule),
      forgetRule: (rule) => inner.forgetRule(rule),
      close: () => inner.close(),
    };
    const feeds = new FeedService({ store, clock: new VirtualClock(NOW) });
    const bus = new InProcessBus();
    const append = async (users: readonly string[], from: number) => {
      const batch = normalizeBatch(users.map((user, i) => ({ time: NOW + from + i, data: { user, id: from + i } })), { now: NOW, maxEventBytes: 1 << 16 });
      const result = await events.append('edits', batch);
      bus.publish('edits', result.stored);
    };
    await append(['ann', 'bob'], 0);
    await append(['ann', 'cat'], 10);
    const rule = new FeedRule({ channel: 'edits', feed: 'user:{data.user}', id: 'data.id', time: 'ts', maxItems: 5 }, FEED_DEFAULTS);
    const runner = new FeedRuleRunner({ rule, reader: events, bus, feeds, onError: (error) => assert.fail(String(error)), batchEvents: 2 });
    try {
      await runner.start();
      const configured = writes.flat().filter((op) => op.kind === 'configure').map((op) => op.key);
      assert.deepEqual(configured.sort(), ['user:ann', 'user:bob', 'user:cat']);
      assert.ok(writes.length >= 2, 'the history went in more than one batch');
      assert.deepEqual((await feeds.read('user:ann')).items.map((item) => item.id), ['10', '0']);
      assert.equal((await feeds.read('user:ann')).maxItems, 5);
    } finally {
      runner.stop();
      await store.close();
      await events.close();
    }
  });
});
