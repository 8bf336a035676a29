/**
 * Which node does a piece of stateful work, such as a feed rule's writes or
 * a timeline's checkpoints: at most one node at a time holds the lease on
 * its name (docs/scaling.md "Ownership"). One node holds every lease
 * (LocalLeases); several nodes on one PostgreSQL share advisory locks
 * (PostgresLeases).
 */

export interface LeaseHandlers {
  /** This node now owns the work: start it, from its checkpoint. The lease request waits for it. */
  readonly gained: () => Promise<void> | void;
  /** This node no longer owns it (released, store connection lost, closing): stop at once. */
  readonly lost: () => void;
}

export interface Leases {
  /**
   * Asks for the lease on `name` until the returned function is called,
   * which releases it. Resolves after the first attempt (and its `gained`,
   * when won); a lease held elsewhere is retried until it is free.
   */
  request(name: string, handlers: LeaseHandlers): Promise<() => void>;
  /** Which node holds each held lease this node has asked for, by lease name. */
  owners(): Promise<ReadonlyMap<string, string>>;
  /** Releases every lease (calling `lost` for each held one). */
  close(): Promise<void>;
}
