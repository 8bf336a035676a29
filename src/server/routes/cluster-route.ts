/**
 * GET /v1/cluster: this node's id, the live nodes sharing its bus and the
 * leases each one holds (docs/scaling.md); one node on the local bus.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { isClusterMembership } from '../../live/cluster-membership.js';
import type { Leases } from '../../live/leases.js';
import type { LiveBus } from '../../live/live-bus.js';

export interface ClusterRouteOptions {
  readonly bus: LiveBus;
  readonly leases: Leases;
  readonly nodeId: string;
  readonly clock: Clock;
}

export function registerClusterRoute(app: FastifyInstance, options: ClusterRouteOptions): void {
  const startedAt = options.clock.now();
  app.get('/v1/cluster', { config: { access: { action: 'read' } } }, async () => {
    const { bus, leases, nodeId, clock } = options;
    const nodes = isClusterMembership(bus) ? bus.nodes() : [{ id: nodeId, startedAt, lastSeenAt: clock.now() }];
    const owners = [...(await leases.owners())].sort(([a], [b]) => (a < b ? -1 : 1));
    const owns = (id: string) => owners.filter(([, owner]) => owner === id).map(([lease]) => lease);
    return {
      node: nodeId,
      bus: isClusterMembership(bus) ? bus.busKind : 'local',
      nodes: nodes.map((node) => ({ ...node, owns: owns(node.id) })),
      // Also the leases of a node that stalled: it is no longer heard from but may wake up, so nobody took its work.
      leases: Object.fromEntries(owners),
    };
  });
}
