/**
 * Where each object of a trajectory channel is at a given playhead time.
 * Each object keeps its last two samples (position and event time); its
 * position at time t is on the line through them, so it moves smoothly
 * between frames and, because the samples carry their times, the same rule
 * holds in reverse. Past the last sample it coasts at most one frame, then
 * holds and fades out.
 */
import type { WireEvent } from '../../client/index.js';

export interface TrajectorySample {
  readonly ts: number;
  readonly x: number;
  readonly y: number;
}

export interface ObjectPosition {
  readonly object: string;
  readonly x: number;
  readonly y: number;
  /** 1 while updated recently, down to 0 as the object goes stale. */
  readonly opacity: number;
  /** Recent samples, oldest first. */
  readonly trail: readonly TrajectorySample[];
}

export interface TrajectoryTracksConfig {
  /** Samples further apart than this (event ms) are not joined: a seek, or the object left and came back. @default 2000 */
  readonly maxGapMs: number;
  /** Event ms without an update before an object starts to fade. @default 1000 */
  readonly fadeAfterMs: number;
  /** Event ms without an update after which an object is gone. @default 4000 */
  readonly goneAfterMs: number;
  /** Samples kept for the trail. @default 8 */
  readonly trailSamples: number;
}

export const TRAJECTORY_TRACKS_DEFAULTS: TrajectoryTracksConfig = Object.freeze({ maxGapMs: 2_000, fadeAfterMs: 1_000, goneAfterMs: 4_000, trailSamples: 8 });

/** How far past the latest sample an object may coast, in sample intervals. */
const MAX_COAST_INTERVALS = 1;

class Track {
  previous: TrajectorySample | undefined = undefined;
  current: TrajectorySample;
  readonly trail: TrajectorySample[];

  constructor(sample: TrajectorySample) {
    this.current = sample;
    this.trail = [sample];
  }
}

/**
 * The object and its position in an event: `{object, x, y}` (a trajectory
 * channel) or a scene transform `{object, location: [x, y, z], scale}` seen
 * from above; a scene object scaled to 0 is hidden and has no position.
 */
export function trajectorySample(event: WireEvent): { object: string; sample: TrajectorySample } | undefined {
  const data = event.data as { object?: unknown; x?: unknown; y?: unknown; location?: unknown; scale?: unknown } | null;
  if (typeof data !== 'object' || data === null) return undefined;
  const { object } = data;
  const [x, y] = Array.isArray(data.location) ? (data.location as unknown[]) : [data.x, data.y];
  if ((typeof object !== 'string' && typeof object !== 'number') || typeof x !== 'number' || typeof y !== 'number') return undefined;
  if (Array.isArray(data.scale) && data.scale.every((factor) => factor === 0)) return undefined;
  return { object: String(object), sample: { ts: event.ts, x, y } };
}

export class TrajectoryTracks {
  readonly #config: TrajectoryTracksConfig;
  readonly #tracks = new Map<string, Track>();

  constructor(config: Partial<TrajectoryTracksConfig> = {}) {
    this.#config = Object.freeze({ ...TRAJECTORY_TRACKS_DEFAULTS, ...config });
  }

  get size(): number {
    return this.#tracks.size;
  }

  /** Records an event's position and returns it; undefined for an event that carries none. */
  add(event: WireEvent): TrajectorySample | undefined {
    const found = trajectorySample(event);
    if (found === undefined) return undefined;
    const { object, sample } = found;
    const track = this.#tracks.get(object);
    if (track === undefined) {
      this.#tracks.set(object, new Track(sample));
      return sample;
    }
    const gapMs = Math.abs(sample.ts - track.current.ts);
    if (gapMs === 0) {
      // The same frame again (replayed after a turn-around): keep the older neighbour.
      track.current = sample;
      track.trail[track.trail.length - 1] = sample;
      return sample;
    }
    if (gapMs > this.#config.maxGapMs) {
      track.previous = undefined;
      track.trail.length = 0;
    } else {
      track.previous = track.current;
    }
    track.current = sample;
    track.trail.push(sample);
    if (track.trail.length > this.#config.trailSamples) track.trail.shift();
    return sample;
  }

  clear(): void {
    this.#tracks.clear();
  }

  /** Every object still in view at playhead time `ts`; forgets those gone for good. */
  positionsAt(ts: number): ObjectPosition[] {
    const positions: ObjectPosition[] = [];
    for (const [object, track] of this.#tracks) {
      const staleMs = Math.abs(ts - track.current.ts);
      if (staleMs >= this.#config.goneAfterMs) {
        this.#tracks.delete(object);
        continue;
      }
      const { x, y } = positionOf(track, ts);
      const fade = (staleMs - this.#config.fadeAfterMs) / (this.#config.goneAfterMs - this.#config.fadeAfterMs);
      positions.push({ object, x, y, opacity: 1 - Math.min(1, Math.max(0, fade)), trail: track.trail });
    }
    return positions;
  }
}

function positionOf(track: Track, ts: number): { x: number; y: number } {
  const { previous, current } = track;
  if (previous === undefined) return current;
  // 0 at the previous sample, 1 at the current one, beyond 1 coasting on in the same direction.
  const fraction = Math.min(1 + MAX_COAST_INTERVALS, Math.max(0, (ts - previous.ts) / (current.ts - previous.ts)));
  return { x: previous.x + fraction * (current.x - previous.x), y: previous.y + fraction * (current.y - previous.y) };
}
