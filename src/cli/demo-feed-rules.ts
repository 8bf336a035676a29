/**
 * The feed rules `playhead serve --demo` creates over the wikipedia demo
 * channel (once; they persist): the latest edits of each user and of each wiki.
 */
import type { FeedRuleDefinition } from '../feeds/feed-rule.js';

export const DEMO_FEED_RULES: readonly FeedRuleDefinition[] = [
  {
    name: 'demo.wikipedia.per-user',
    channel: 'wikipedia',
    feed: 'user:{data.user}',
    data: { title: 'data.title', wiki: 'data.wiki', type: 'data.type', comment: 'data.comment' },
    maxItems: 50,
  },
  {
    name: 'demo.wikipedia.per-wiki',
    channel: 'wikipedia',
    feed: 'wiki:{data.wiki}',
    data: { title: 'data.title', user: 'data.user', type: 'data.type' },
    maxItems: 100,
  },
];
