/**
 * Chooses how this node learns which work is its own: alone on the local
 * bus it owns everything; nodes sharing a bus share leases through the
 * store's PostgreSQL (docs/scaling.md "Ownership").
 */
import { LocalLeases } from '../live/in-process/local-leases.js';
import type { Leases } from '../live/leases.js';
import { DEFAULT_BUS_URL } from '../live/open-bus.js';
import { isPostgresUrl, splitPostgresUrl } from '../store/open-store.js';

export interface LeaseOptions {
  readonly store: string;
  readonly bus: string;
  readonly nodeId: string;
  readonly takeoverMs?: number;
  readonly onError: (error: unknown) => void;
}

export async function openLeases(options: LeaseOptions): Promise<Leases> {
  if (options.bus === DEFAULT_BUS_URL) return new LocalLeases(options.nodeId);
  if (!isPostgresUrl(options.store)) {
    throw new Error(`--bus ${options.bus} runs several nodes, which share their work through PostgreSQL advisory locks: use --store postgres://... (docs/scaling.md)`);
  }
  const { PostgresLeases } = await import('../live/postgres/postgres-leases.js');
  const { connectionString, schema } = splitPostgresUrl(options.store);
  return new PostgresLeases({ connectionString, namespace: schema ?? 'public', nodeId: options.nodeId, takeoverMs: options.takeoverMs, onError: options.onError });
}
