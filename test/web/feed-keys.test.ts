import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../src/core/event.js';
import { compileKeyTemplate } from '../../src/feeds/key-template.js';
import { feedKeysOf } from '../../web/src/feed-keys.js';

describe('feedKeysOf', () => {
  it('derives the keys the server\'s rules fill, fan-out and key characters included', () => {
    const templates = ['user:{data.user}', 'wiki:{data.wiki}', 'tag:{data.tags}'];
    const events = [{ user: 'Ann Lee', wiki: 'wikidatawiki', tags: ['a', 'b/c'] }, { user: 'Bob', wiki: 'wikidatawiki' }];
    const keys = feedKeysOf(templates, events);
    assert.deepEqual(keys, ['user:Ann_Lee', 'wiki:wikidatawiki', 'tag:a', 'tag:b_c', 'user:Bob']);
    const server = events.flatMap((data, seq) => templates.flatMap((template) => compileKeyTemplate(template)({ channel: 'c', seq, ts: 0, id: null, data } as StoredEvent)));
    assert.deepEqual(keys, [...new Set(server)], 'the same keys as the server derives');
  });
});
