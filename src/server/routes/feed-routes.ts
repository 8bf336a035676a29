/**
 * HTTP routes of feeds: add and delete items, configure the bound, drop, and
 * read pages. Scopes name a feed as `feed:KEY` (`read:feed:user:*`), so feed
 * and channel grants stay apart.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PlayheadError } from '../../core/errors.js';
import { feedScopeTarget, validateFeedKey } from '../../feeds/feed-key.js';
import type { FeedReadResult, FeedService } from '../../feeds/feed-service.js';
import { compactFeedItem, type FeedPageReply } from '../../protocol/feed-messages.js';
import type { ScopedAction } from '../auth/access-policy.js';
import { querySchema } from './query-schema.js';

const keyParams = { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] } as const;
const itemParams = { type: 'object', properties: { key: { type: 'string' }, id: { type: 'string' } }, required: ['key', 'id'] } as const;

export function registerFeedRoutes(app: FastifyInstance, feeds: FeedService): void {
  app.post('/v1/feeds/:key/items', { config: { access: { action: 'write' } }, schema: { params: keyParams } }, async (request) => {
    const key = feedOf(request, 'write');
    const body: unknown = request.body;
    if (body === undefined) throw new PlayheadError('invalid_item', 'the body is empty: send {"id": "1", "time": …} or an array of them');
    return toReply(await feeds.add(key, Array.isArray(body) ? body : [body]));
  });

  app.delete('/v1/feeds/:key/items/:id', { config: { access: { action: 'write' } }, schema: { params: itemParams } }, async (request) => {
    const key = feedOf(request, 'write');
    return toReply(await feeds.deleteItem(key, (request.params as { id: string }).id));
  });

  app.put('/v1/feeds/:key', { config: { access: { action: 'write' } }, schema: { params: keyParams } }, async (request) => {
    const key = feedOf(request, 'write');
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).some((field) => field !== 'maxItems')) {
      throw new PlayheadError('invalid_parameter', 'the body must be {"maxItems": n}');
    }
    return toReply(await feeds.configure(key, (body as { maxItems?: unknown }).maxItems));
  });

  app.delete('/v1/feeds/:key', { config: { access: { action: 'write' } }, schema: { params: keyParams } }, async (request, reply) => {
    await feeds.drop(feedOf(request, 'write'));
    reply.status(204);
  });

  app.get('/v1/feeds/:key', {
    config: { access: { action: 'read' } },
    schema: {
      params: keyParams,
      querystring: querySchema({ limit: { type: 'integer' }, cursor: { type: 'string' }, since: { type: 'string' } }),
    },
  }, async (request) => {
    const key = feedOf(request, 'read');
    return toReply(await feeds.read(key, request.query as { limit?: number; cursor?: string; since?: string }));
  });
}

/** The feed key of the route, after the token's scopes for it are checked. */
function feedOf(request: FastifyRequest, action: ScopedAction): string {
  const key = validateFeedKey((request.params as { key: string }).key);
  request.grant.require(action, feedScopeTarget(key), `${action} feed ${key}`);
  return key;
}

function toReply(page: FeedReadResult): FeedPageReply {
  return { feed: page.key, items: page.items.map(compactFeedItem), next: page.next, latest: page.latest, count: page.count, maxItems: page.maxItems };
}
