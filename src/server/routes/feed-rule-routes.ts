/** HTTP routes of feed rules: create (admin), list, delete (admin). */
import type { FastifyInstance } from 'fastify';
import type { FeedRuleRegistry } from '../../feeds/feed-rule-registry.js';

const nameParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;

export function registerFeedRuleRoutes(app: FastifyInstance, rules: FeedRuleRegistry): void {
  app.post('/v1/feeds/rules', { config: { access: { action: 'admin' } } }, async (request, reply) => {
    const rule = await rules.create(request.body);
    reply.status(201);
    return rule;
  });

  app.get('/v1/feeds/rules', { config: { access: { action: 'read' } } }, async (request) => ({
    rules: rules.list().filter((rule) => request.grant.allows('read', rule.channel)),
  }));

  app.delete('/v1/feeds/rules/:name', { config: { access: { action: 'admin' } }, schema: { params: nameParams } }, async (request, reply) => {
    await rules.delete((request.params as { name: string }).name);
    reply.status(204);
  });
}
