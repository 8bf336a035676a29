/**
 * Feeds a scene from recorded 2D trajectories (one object per track) at a
 * fixed rate, interpolating between the recording's samples so objects move
 * smoothly (the demo: 2.5 fps pedestrian data fed at 40 Hz). Ticks are due
 * from the start on the injected Clock, never from the previous tick, so the
 * feed does not drift.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { SceneRegistry } from './scene-registry.js';

export interface TrajectorySampleRow {
  readonly track: string;
  /** Offset of the sample from the recording's start, ms. */
  readonly offsetMs: number;
  readonly x: number;
  readonly y: number;
}

export interface TrajectoryFeedConfig {
  /** Updates per second per visible object. @default 40 */
  readonly rateHz: number;
  /** Samples further apart than this are not joined (the track left and came back), ms. @default 1,000 */
  readonly maxGapMs: number;
  /** Start again at the end. @default false */
  readonly loop: boolean;
}

export const TRAJECTORY_FEED_DEFAULTS: TrajectoryFeedConfig = Object.freeze({ rateHz: 40, maxGapMs: 1_000, loop: false });

/** A track off stage is shown at scale 0 (hidden), where it was last. */
const HIDDEN: readonly [number, number, number] = [0, 0, 0];
const VISIBLE: readonly [number, number, number] = [1, 1, 1];
const MS_PER_S = 1_000;

interface Track {
  readonly name: string;
  readonly offsets: readonly number[];
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  /** Index of the last sample at or before the feed's position. */
  cursor: number;
  visible: boolean;
}

/** Groups rows by track, each in time order. */
export function trajectoryTracks(rows: Iterable<TrajectorySampleRow>): Map<string, { offsets: number[]; xs: number[]; ys: number[] }> {
  const tracks = new Map<string, { offsets: number[]; xs: number[]; ys: number[]; rows: TrajectorySampleRow[] }>();
  for (const row of rows) {
    let track = tracks.get(row.track);
    if (track === undefined) tracks.set(row.track, (track = { offsets: [], xs: [], ys: [], rows: [] }));
    track.rows.push(row);
  }
  const sorted = new Map<string, { offsets: number[]; xs: number[]; ys: number[] }>();
  for (const [name, track] of tracks) {
    track.rows.sort((a, b) => a.offsetMs - b.offsetMs);
    sorted.set(name, { offsets: track.rows.map((r) => r.offsetMs), xs: track.rows.map((r) => r.x), ys: track.rows.map((r) => r.y) });
  }
  return sorted;
}

/** Where a track is at `offsetMs`: on the line between the samples around it, or undefined when it is off stage. */
export function positionAt(track: { offsets: readonly number[]; xs: readonly number[]; ys: readonly number[] }, offsetMs: number, maxGapMs: number, from = 0): { x: number; y: number; index: number } | undefined {
  const { offsets, xs, ys } = track;
  let i = Math.max(0, Math.min(from, offsets.length - 1));
  if ((offsets[i] as number) > offsetMs) i = 0;
  while (i + 1 < offsets.length && (offsets[i + 1] as number) <= offsetMs) i += 1;
  const t0 = offsets[i] as number;
  if (offsetMs < t0) return undefined;
  if (offsetMs === t0) return { x: xs[i] as number, y: ys[i] as number, index: i };
  const t1 = offsets[i + 1];
  if (t1 === undefined || t1 - t0 > maxGapMs) return undefined;
  const f = (offsetMs - t0) / (t1 - t0);
  return { x: (xs[i] as number) + f * ((xs[i + 1] as number) - (xs[i] as number)), y: (ys[i] as number) + f * ((ys[i + 1] as number) - (ys[i] as number)), index: i };
}

export class TrajectoryFeed {
  readonly #registry: SceneRegistry;
  readonly #clock: Clock;
  readonly #scene: string;
  readonly #config: TrajectoryFeedConfig;
  readonly #tracks: Track[];
  readonly #durationMs: number;
  #startMs = 0;
  #tick = 0;
  #timer: TimerHandle | undefined = undefined;

  constructor(options: { registry: SceneRegistry; clock: Clock; scene: string; rows: Iterable<TrajectorySampleRow>; config?: Partial<TrajectoryFeedConfig> }) {
    this.#registry = options.registry;
    this.#clock = options.clock;
    this.#scene = options.scene;
    this.#config = Object.freeze({ ...TRAJECTORY_FEED_DEFAULTS, ...options.config });
    this.#tracks = [...trajectoryTracks(options.rows)].map(([name, track]) => ({ name, ...track, cursor: 0, visible: false }));
    this.#durationMs = Math.max(0, ...this.#tracks.map((track) => track.offsets[track.offsets.length - 1] as number));
  }

  /** The track names (the objects the scene needs). */
  get objects(): string[] {
    return this.#tracks.map((track) => track.name);
  }

  /** Recording length, ms. */
  get durationMs(): number {
    return this.#durationMs;
  }

  start(): void {
    this.#startMs = this.#clock.monotonic();
    this.#tick = 0;
    this.#schedule();
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  #schedule(): void {
    const periodMs = MS_PER_S / this.#config.rateHz;
    const dueMs = this.#startMs + this.#tick * periodMs;
    this.#timer = this.#clock.setTimer(Math.max(0, dueMs - this.#clock.monotonic()), () => {
      let offsetMs = this.#tick * periodMs;
      this.#tick += 1;
      if (offsetMs > this.#durationMs) {
        if (!this.#config.loop) return this.#finish();
        this.#startMs = this.#clock.monotonic();
        this.#tick = 1;
        offsetMs = 0;
        for (const track of this.#tracks) track.cursor = 0;
      }
      this.#step(offsetMs);
      this.#schedule();
    });
  }

  #step(offsetMs: number): void {
    for (const track of this.#tracks) {
      const at = positionAt(track, offsetMs, this.#config.maxGapMs, track.cursor);
      if (at === undefined) {
        if (track.visible) this.#registry.move(this.#scene, track.name, { scale: HIDDEN });
        track.visible = false;
        continue;
      }
      track.cursor = at.index;
      this.#registry.move(this.#scene, track.name, { location: [at.x, at.y, 0], ...(track.visible ? {} : { scale: VISIBLE }) });
      track.visible = true;
    }
  }

  #finish(): void {
    this.#timer = undefined;
    for (const track of this.#tracks) if (track.visible) this.#registry.move(this.#scene, track.name, { scale: HIDDEN });
  }
}
