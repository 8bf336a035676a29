/** Which Playhead nodes share this one's bus, as GET /v1/cluster shows them (docs/scaling.md). */

export interface ClusterNode {
  readonly id: string;
  /** Epoch ms the node's bus connected. */
  readonly startedAt: number;
  /** Epoch ms of its latest heartbeat (this node: now). */
  readonly lastSeenAt: number;
}

export interface ClusterMembership {
  /** Which bus carries the heartbeats, as GET /v1/cluster names it. */
  readonly busKind: 'nats' | 'postgres';
  /** Live nodes, this one included, by id. */
  nodes(): readonly ClusterNode[];
}

export function isClusterMembership(value: unknown): value is ClusterMembership {
  return typeof (value as Partial<ClusterMembership>).nodes === 'function';
}
