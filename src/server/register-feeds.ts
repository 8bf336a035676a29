/**
 * Wires the feeds domain into the server: the feed store (the one given, or
 * an in-memory SQLite one), the service, the rules (restarted from their
 * checkpoints) and their routes. Returns the service for the WebSocket gateway.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { Leases } from '../live/leases.js';
import { FeedRuleRegistry } from '../feeds/feed-rule-registry.js';
import { FeedService } from '../feeds/feed-service.js';
import { openFeedStore } from '../store/open-store.js';
import { registerFeedRoutes } from './routes/feed-routes.js';
import { registerFeedRuleRoutes } from './routes/feed-rule-routes.js';
import type { ServerOptions } from './server-config.js';

export async function registerFeeds(app: FastifyInstance, options: ServerOptions, leases: Leases, clock: Clock): Promise<FeedService> {
  const store = options.feeds ?? (await openFeedStore('sqlite::memory:'));
  const feeds = new FeedService({ store, clock, limits: options.feedLimits, bus: options.bus });
  const rules = new FeedRuleRegistry({
    reader: options.store, writer: options.store, bus: options.bus, feeds, clock, leases,
    onRuleFailed: (name, error) => app.log.error({ err: error, rule: name }, 'feed rule stopped: its channel or the feed store failed'),
  });
  for (const { name, error } of await rules.load()) app.log.error({ err: error, rule: name }, 'stored feed rule not started');
  for (const definition of options.feedRules ?? []) {
    if (definition.name === undefined || !rules.has(definition.name)) await rules.create(definition);
  }
  app.addHook('onClose', async () => {
    rules.close();
    if (options.feeds === undefined) await store.close();
  });
  registerFeedRuleRoutes(app, rules);
  registerFeedRoutes(app, feeds);
  return feeds;
}
