/**
 * Event time <-> wall time, as pure functions (the heart of DVR playback).
 * At speed s an event at time t is due at W0 + (t - P0) / s, where (P0, W0)
 * is the anchor set by play, pause, seek and speed changes; every due time is
 * computed from the anchor, never from the previous event, so nothing
 * drifts (DESIGN: JetStream drifts 0.7 ms per message). With perceptual
 * pacing the gap between consecutive deliveries is clamped to
 * [minGap, maxGap], measured from the previous event's due time.
 * Wall times are monotonic milliseconds; event times epoch milliseconds.
 */

export interface Timing {
  /** Event time at the anchor (P0). */
  readonly anchorPositionMs: number;
  /** Monotonic wall time at the anchor (W0). */
  readonly anchorWallMs: number;
  /** Event-time ms per wall ms; negative plays backwards. Never 0. */
  readonly speed: number;
  /** Smallest wall gap between consecutive deliveries; 0 when off. */
  readonly minGapMs: number;
  /** Largest wall gap between consecutive deliveries; Infinity when off. */
  readonly maxGapMs: number;
}

/** The last scheduled point: an event (or the anchor) and its due time. */
export interface Mark {
  readonly positionMs: number;
  readonly wallMs: number;
}

export function isPaced(timing: Timing): boolean {
  return timing.minGapMs > 0 || timing.maxGapMs !== Number.POSITIVE_INFINITY;
}

export function anchorMark(timing: Timing): Mark {
  return { positionMs: timing.anchorPositionMs, wallMs: timing.anchorWallMs };
}

/** Wall time at which an event at `positionMs` is due, given the previous mark. */
export function dueWallMs(timing: Timing, previous: Mark, positionMs: number): number {
  if (!isPaced(timing)) return timing.anchorWallMs + (positionMs - timing.anchorPositionMs) / timing.speed;
  const naturalGapMs = Math.abs(positionMs - previous.positionMs) / Math.abs(timing.speed);
  return previous.wallMs + Math.min(timing.maxGapMs, Math.max(timing.minGapMs, naturalGapMs));
}

/** Wall time at which the window's far edge is reached (no minimum gap: the end is not an event). */
export function edgeWallMs(timing: Timing, previous: Mark, edgeMs: number): number {
  if (!isPaced(timing)) return timing.anchorWallMs + (edgeMs - timing.anchorPositionMs) / timing.speed;
  const naturalGapMs = Math.abs(edgeMs - previous.positionMs) / Math.abs(timing.speed);
  return previous.wallMs + Math.min(timing.maxGapMs, naturalGapMs);
}

/**
 * The playhead at `wallMs`: linear from the anchor, or (paced) interpolated
 * between the previous mark and the next one when it is known.
 */
export function positionAt(timing: Timing, wallMs: number, previous: Mark, next?: Mark): number {
  if (!isPaced(timing)) return timing.anchorPositionMs + (wallMs - timing.anchorWallMs) * timing.speed;
  if (next === undefined || next.wallMs <= previous.wallMs) return previous.positionMs;
  const fraction = Math.min(1, Math.max(0, (wallMs - previous.wallMs) / (next.wallMs - previous.wallMs)));
  return previous.positionMs + fraction * (next.positionMs - previous.positionMs);
}

/** A new anchor at the playhead's current place (pause, resume, speed change). */
export function reanchor(timing: Timing, positionMs: number, wallMs: number, speed = timing.speed): Timing {
  return { ...timing, anchorPositionMs: positionMs, anchorWallMs: wallMs, speed };
}

/** The speed that plays `windowMs` of event time in `fitMs` of wall time ("a day in a minute"). */
export function fitSpeed(windowMs: number, fitMs: number): number {
  return windowMs / fitMs;
}
