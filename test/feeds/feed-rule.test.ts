import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../src/core/event.js';
import { FEED_DEFAULTS } from '../../src/feeds/feed-config.js';
import { FeedRule } from '../../src/feeds/feed-rule.js';

const EXAMPLE = { channel: 'wikipedia', feed: 'user:{data.user}', id: 'data.id', time: 'ts', data: { title: 'data.title' }, maxItems: 50, deleteWhen: "data.type == 'delete'" };
const event = (seq: number, data: unknown, id: string | null = null): StoredEvent => ({ channel: 'wikipedia', seq, ts: 1_000 + seq, id, data });
const invalid = (input: unknown, message: string, position?: number) => {
  assert.throws(() => new FeedRule(input, FEED_DEFAULTS), (error: { code: string; message: string; position?: number }) => {
    assert.deepEqual([error.code, error.message], ['invalid_rule', message]);
    if (position !== undefined) assert.equal(error.position, position);
    return true;
  });
};

describe('FeedRule #toOperations', () => {
  it('maps the issue example: key template, id, time, data, bound and deleteWhen', () => {
    const rule = new FeedRule(EXAMPLE, FEED_DEFAULTS);
    assert.match(rule.name, /^wikipedia\.[0-9a-f]{8}$/);
    const { operations, skipped } = rule.toOperations([
      event(1, { user: 'Ann', id: 7, title: 'Berlin', type: 'edit' }),
      event(2, { user: 'Ann', id: 8, title: 'Paris', type: 'edit' }),
      event(3, { user: 'Ann', id: 7, type: 'delete' }),
      event(4, { title: 'no user' }),
    ]);
    assert.equal(skipped, 1);
    assert.deepEqual(operations, [
      { kind: 'configure', key: 'user:Ann', maxItems: 50 },
      { kind: 'add', key: 'user:Ann', items: [{ id: '7', time: 1_001, dataJson: '{"title":"Berlin"}' }, { id: '8', time: 1_002, dataJson: '{"title":"Paris"}' }] },
      { kind: 'delete', key: 'user:Ann', ids: ['7'] },
    ]);
  });

  it('fans out over an array, makes any value a valid key, and defaults id to the event id or seq', () => {
    const rule = new FeedRule({ channel: 'posts', feed: 'followers:{data.followers}', time: 'data.at' }, FEED_DEFAULTS);
    const { operations } = rule.toOperations([
      event(1, { followers: ['bob', 'Zoë Smith', 'bob'], at: '2011-01-01T00:00:00Z' }, 'p1'),
      event(2, { followers: 'cat', at: 5 }),
    ]);
    assert.deepEqual(operations.map((op) => [op.key, op.kind === 'add' ? op.items : []]), [
      ['followers:bob', [{ id: 'p1', time: Date.UTC(2011, 0, 1), dataJson: null }]],
      ['followers:Zo__Smith', [{ id: 'p1', time: Date.UTC(2011, 0, 1), dataJson: null }]],
      ['followers:cat', [{ id: '2', time: 5, dataJson: null }]],
    ]);
  });

  it('reads data.__proto__ as data and never writes a prototype', () => {
    const rule = new FeedRule({ channel: 'c', feed: 'k', data: { ['__proto__']: 'data.__proto__', x: 'data.x' } }, FEED_DEFAULTS);
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as unknown;
    const { operations } = rule.toOperations([event(1, parsed)]);
    const add = operations[0] as unknown as { items: { dataJson: string }[] };
    assert.equal(add.items[0]?.dataJson, '{"__proto__":{"polluted":true},"x":1}');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('combines conditions with && || ! and parentheses', () => {
    const rule = new FeedRule({ channel: 'c', feed: 'k', deleteWhen: "!(data.n > 2 && data.s != 'keep') || data.gone == true" }, FEED_DEFAULTS);
    const kinds = rule.toOperations([event(1, { n: 3, s: 'x' }), event(2, { n: 1 }), event(3, { n: 5, s: 'x', gone: true })]).operations.map((op) => op.kind);
    assert.deepEqual(kinds, ['add', 'delete']);
  });
});

describe('FeedRule definition errors', () => {
  it('names the field, the rule and the position', () => {
    invalid({ ...EXAMPLE, feed: 'user {data.user}' }, 'feed template "user {data.user}" may hold only A-Z a-z 0-9 . _ : - outside {placeholders}', 0);
    invalid({ ...EXAMPLE, feed: 'user:{user}' }, 'feed placeholder {user} must start with ts, seq, id, channel or data, got "user"');
    invalid({ ...EXAMPLE, id: 'data..id' }, 'id must be a path like "data.user", "ts" or "id", got "data..id"');
    invalid({ ...EXAMPLE, deleteWhen: "data.type == 'delete' &&" }, 'deleteWhen: expected a path, a literal, "(" or "!" at index 24, got the end', 24);
    invalid({ ...EXAMPLE, deleteWhen: 'data.type = 1' }, 'deleteWhen: unexpected character "=" at index 10', 10);
    invalid({ ...EXAMPLE, maxItems: 0 }, 'maxItems must be an integer from 1 to 10000, got 0');
    invalid({ ...EXAMPLE, channel: 'no spaces' }, 'channel: channel name must be 1-128 characters of A-Z a-z 0-9 . _ : -, got "no spaces"');
    invalid({ ...EXAMPLE, filter: 'x' }, 'unknown field "filter": a rule has name, channel, feed, id, time, data, maxItems, deleteWhen');
  });
});
