/**
 * Timing error of a replay, from what one client saw: for each event,
 * error = receive wall time - (W0 + (ts - start) / speed), where W0 is the
 * wall time the server anchored the replay at. The client cannot read W0;
 * it is bracketed and estimated by anchors:
 * - `sent`: when the client sent `play`. W0 is later (the frame still had
 *   to reach the server), so errors against it are upper bounds, and an
 *   event that arrives before it is due by this anchor was surely early.
 * - `least`: the least (receive - (ts - start) / speed) over the session:
 *   W0 plus the delay of the most promptly delivered event. If the server
 *   is never early this is at or after W0, so errors against it are lower
 *   bounds, tight to the best event's delivery time (~0.1 ms on loopback);
 *   the smallest is 0 by construction: it measures jitter and drift, and
 *   cannot show an event as early.
 * - `state`: receive time of the first `playing` state message minus its
 *   `position - start` (the playhead had moved on while the server read the
 *   first page before sending it): W0 plus the message's own delivery
 *   time, within ±0.5 ms since `position` is whole ms.
 * - `first`: receive time of the first event minus its (ts - start): all a
 *   peer without state messages offers (JetStream); if the first event is
 *   late (it waits for the first page), every later one looks early.
 */

export type AnchorKind = 'sent' | 'least' | 'state' | 'first';
export const ANCHOR_KINDS: readonly AnchorKind[] = ['sent', 'least', 'state', 'first'];

/** One session's deliveries: receive wall times and event times, ms; the first `count` entries are used. */
export interface Deliveries {
  readonly receiveWallMs: ArrayLike<number>;
  readonly tsMs: ArrayLike<number>;
  readonly count: number;
}

export interface ReplayWindow {
  /** The event time that plays at W0 (`start` of play). */
  readonly startTs: number;
  readonly speed: number;
}

/** What the client saw of the session besides its events (for `sent` and `state`). */
export interface SessionMarks {
  readonly playSentWallMs?: number;
  readonly stateWallMs?: number;
  /** `position` of that state message, epoch ms. */
  readonly statePositionMs?: number;
}

/** W0 by the given anchor; NaN when the session gave nothing to anchor on. */
export function anchorWallMs(kind: AnchorKind, deliveries: Deliveries, window: ReplayWindow, marks: SessionMarks = {}): number {
  const { receiveWallMs, tsMs, count } = deliveries;
  switch (kind) {
    case 'sent':
      return marks.playSentWallMs ?? Number.NaN;
    case 'state':
      if (marks.stateWallMs === undefined || marks.statePositionMs === undefined) return Number.NaN;
      return marks.stateWallMs - (marks.statePositionMs - window.startTs) / window.speed;
    case 'first':
      return count === 0 ? Number.NaN : (receiveWallMs[0] as number) - ((tsMs[0] as number) - window.startTs) / window.speed;
    case 'least': {
      let least = count === 0 ? Number.NaN : Number.POSITIVE_INFINITY;
      for (let i = 0; i < count; i += 1) {
        least = Math.min(least, (receiveWallMs[i] as number) - ((tsMs[i] as number) - window.startTs) / window.speed);
      }
      return least;
    }
    default: {
      const unhandled: never = kind;
      throw new TypeError(`unknown anchor ${String(unhandled)}`);
    }
  }
}

/** Appends each delivery's error against W0 = `anchorMs` to `out` (nothing when the anchor is NaN). */
export function appendErrors(deliveries: Deliveries, window: ReplayWindow, anchorMs: number, out: number[]): void {
  if (Number.isNaN(anchorMs)) return;
  const { receiveWallMs, tsMs, count } = deliveries;
  for (let i = 0; i < count; i += 1) {
    out.push((receiveWallMs[i] as number) - (anchorMs + ((tsMs[i] as number) - window.startTs) / window.speed));
  }
}

/** Least-squares slope of error against delivery index: ms of drift per event (0 for a schedule computed from its anchor). */
export function driftMsPerEvent(errors: ArrayLike<number>): number {
  const n = errors.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  let meanY = 0;
  for (let i = 0; i < n; i += 1) meanY += (errors[i] as number) / n;
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < n; i += 1) {
    covariance += (i - meanX) * ((errors[i] as number) - meanY);
    variance += (i - meanX) ** 2;
  }
  return covariance / variance;
}
