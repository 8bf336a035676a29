/**
 * The keyset bound a scan starts from, shared by every adapter: the later
 * (asc) or earlier (desc) of `after` and the window's near edge. Scans use
 * it as their only row-value bound, `(ts, seq) > (?, ?)`, which both SQLite
 * and PostgreSQL turn into one index range scan.
 */
import { compareReplayOrder, type Position } from '../core/event.js';
import type { ScanRequest } from './event-store.js';

/** Outside every stored ts: parseTime keeps ts within ±8.64e15. */
export const MIN_TS = -Number.MAX_SAFE_INTEGER;
export const MAX_TS = Number.MAX_SAFE_INTEGER;

export function keysetStart(request: ScanRequest): Position {
  if (request.order === 'asc') {
    const edge = { ts: request.start ?? MIN_TS, seq: 0 };
    return request.after !== undefined && compareReplayOrder(request.after, edge) > 0 ? request.after : edge;
  }
  const edge = { ts: request.end ?? MAX_TS, seq: 0 };
  return request.after !== undefined && compareReplayOrder(request.after, edge) < 0 ? request.after : edge;
}
