/** GET /v1/cluster: this node's id and the live nodes sharing its bus (docs/scaling.md); one node on the local bus. */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { isClusterMembership } from '../../live/cluster-membership.js';
import type { LiveBus } from '../../live/live-bus.js';

export function registerClusterRoute(app: FastifyInstance, options: { readonly bus: LiveBus; readonly nodeId: string; readonly clock: Clock }): void {
  const startedAt = options.clock.now();
  app.get('/v1/cluster', { config: { access: { action: 'read' } } }, async () => {
    const { bus, nodeId, clock } = options;
    const nodes = isClusterMembership(bus) ? bus.nodes() : [{ id: nodeId, startedAt, lastSeenAt: clock.now() }];
    return { node: nodeId, bus: isClusterMembership(bus) ? bus.busKind : 'local', nodes };
  });
}
