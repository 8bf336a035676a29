/** Which Playhead nodes share this one's bus, as GET /v1/cluster shows them (docs/scaling.md). */
import type { Clock } from '../core/clock.js';

export interface ClusterNode {
  readonly id: string;
  /** Epoch ms the node's bus connected. */
  readonly startedAt: number;
  /** Epoch ms of its latest heartbeat (this node: now). */
  readonly lastSeenAt: number;
  /** Where the other nodes reach its HTTP API (to read a timeline it evaluates), once it listens. */
  readonly url?: string;
}

/** What a node's heartbeat says about it. */
export interface NodeHeartbeat {
  readonly id: string;
  readonly startedAt: number;
  readonly url?: string;
}

/** A heartbeat as another node sent it, or undefined when it is not one. */
export function readHeartbeat(message: unknown): NodeHeartbeat | undefined {
  const { id, startedAt, url } = (message ?? {}) as Partial<Record<keyof NodeHeartbeat, unknown>>;
  if (typeof id !== 'string' || typeof startedAt !== 'number') return undefined;
  return typeof url === 'string' ? { id, startedAt, url } : { id, startedAt };
}

export interface ClusterMembership {
  /** Which bus carries the heartbeats, as GET /v1/cluster names it. */
  readonly busKind: 'nats' | 'postgres';
  /** Live nodes, this one included, by id. */
  nodes(): readonly ClusterNode[];
  /** Says in this node's heartbeats where its HTTP API listens. */
  advertise(url: string): void;
}

export function isClusterMembership(value: unknown): value is ClusterMembership {
  return typeof (value as Partial<ClusterMembership>).nodes === 'function';
}

/** Heartbeats a node may miss before it is gone. */
const MISSED_HEARTBEATS = 3;

/** This node and the peers whose heartbeats a bus hears, for its `nodes()`. */
export class ClusterPeers {
  /** What this node's heartbeats say about it. */
  self: NodeHeartbeat;
  readonly #peers = new Map<string, ClusterNode>();
  readonly #clock: Clock;
  readonly #heartbeatMs: number;

  constructor(id: string, clock: Clock, heartbeatMs: number) {
    this.self = { id, startedAt: clock.now() };
    this.#clock = clock;
    this.#heartbeatMs = heartbeatMs;
  }

  advertise(url: string): void {
    this.self = { ...this.self, url };
  }

  /** A peer's heartbeat arrived. */
  heard(node: NodeHeartbeat): void {
    this.#peers.set(node.id, { ...node, lastSeenAt: this.#clock.now() });
  }

  /** This node and every peer heard within MISSED_HEARTBEATS heartbeats, by id. */
  nodes(): readonly ClusterNode[] {
    const now = this.#clock.now();
    const live = [...this.#peers.values()].filter((node) => node.id !== this.self.id && now - node.lastSeenAt <= MISSED_HEARTBEATS * this.#heartbeatMs);
    return [{ ...this.self, lastSeenAt: now }, ...live].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
