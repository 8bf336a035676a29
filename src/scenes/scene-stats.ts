/** Counters a scene keeps (GET /v1/scenes/{scene}/stats): what was accepted, delivered, coalesced and dropped, and why. */

export const DROP_REASONS = ['malformed', 'truncated', 'oversize', 'invalid', 'unknownScene', 'unknownObject', 'unknownDevice', 'forged', 'stale'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export class SceneCounters {
  /** Updates accepted (they changed an object's transform). */
  accepted = 0;
  /** Heartbeats accepted. */
  heartbeats = 0;
  /** Update copies handed to devices (one update to 9 devices counts 9). */
  delivered = 0;
  /** Payloads (datagrams or frames) sent. */
  payloads = 0;
  /** Updates replaced in a slow device's backlog by a newer one of the same object. */
  coalesced = 0;
  /** Updates written to the scene's channel. */
  stored = 0;
  /** Updates accepted and not yet stored: buffered, or handed to the store and not answered. Growing: the store is slower than the updates. */
  storing = 0;
  /** Updates delivered but never stored: the store was `maxStoringUpdates` behind when they were accepted. */
  unrecorded = 0;
  /** Batches the store refused (their updates were delivered but are not stored). */
  storeErrors = 0;
  /** Devices removed because their heartbeats stopped. */
  devicesTimedOut = 0;
  readonly dropped: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>;

  toJSON(): Record<string, unknown> {
    return {
      accepted: this.accepted, heartbeats: this.heartbeats, delivered: this.delivered, payloads: this.payloads,
      coalesced: this.coalesced, stored: this.stored, storing: this.storing, unrecorded: this.unrecorded, storeErrors: this.storeErrors, devicesTimedOut: this.devicesTimedOut,
      dropped: { ...this.dropped },
    };
  }
}
