/**
 * Per-bucket event counts kept at ingest (DESIGN: a GROUP BY over 10M rows
 * takes seconds; the scrubber needs <= 20 ms). Every adapter keeps one count
 * per channel per granule at each level below, updated in the append
 * transaction, and answers histograms from the coarsest level that fits.
 */
import type { NewEvent } from '../core/event.js';
import type { Histogram, HistogramRequest } from './event-store.js';

/** Granule widths, finest first. Each is at most 10x the previous, so a histogram reads <= ~10 rows per bucket. */
export const ROLLUP_LEVELS_MS = [1_000, 10_000, 60_000, 600_000, 3_600_000, 21_600_000, 86_400_000] as const;

/** Below this bucket width the histogram counts raw events (exact). */
const FINEST_ROLLUP_MS = ROLLUP_LEVELS_MS[0];

export interface RollupIncrement {
  readonly levelMs: number;
  readonly granuleStart: number;
  readonly count: number;
}

/** The count increments a batch adds, one per (level, granule). */
export function rollupIncrements(events: readonly NewEvent[]): RollupIncrement[] {
  const increments: RollupIncrement[] = [];
  for (const levelMs of ROLLUP_LEVELS_MS) {
    // Events mostly come in time order: count each run of one granule, and touch the map once per run.
    const counts = new Map<number, number>();
    let runGranule = Number.NaN;
    let run = 0;
    for (const { ts } of events) {
      const granuleStart = ts - mod(ts, levelMs);
      if (granuleStart === runGranule) {
        run += 1;
        continue;
      }
      if (run > 0) counts.set(runGranule, (counts.get(runGranule) ?? 0) + run);
      runGranule = granuleStart;
      run = 1;
    }
    if (run > 0) counts.set(runGranule, (counts.get(runGranule) ?? 0) + run);
    for (const [granuleStart, count] of counts) increments.push({ levelMs, granuleStart, count });
  }
  return increments;
}

export interface HistogramPlan {
  readonly bucketMs: number;
  /** The rollup level to read, or 'raw' to count events themselves. */
  readonly source: { readonly levelMs: number } | 'raw';
  /** Granules from here (inclusive) to `end` (exclusive) are read. */
  readonly readFrom: number;
}

/** Picks the coarsest level that keeps buckets exact, else the coarsest that fits. */
export function planHistogram({ start, end, buckets }: HistogramRequest): HistogramPlan {
  if (!Number.isSafeInteger(buckets) || buckets < 1) throw new RangeError(`histogram buckets must be a positive integer, got ${buckets}`);
  if (!(end > start)) throw new RangeError(`histogram end must be after start, got [${start}, ${end})`);
  const bucketMs = Math.max(1, Math.ceil((end - start) / buckets));
  if (bucketMs < FINEST_ROLLUP_MS) return { bucketMs, source: 'raw', readFrom: start };
  const fitting = ROLLUP_LEVELS_MS.filter((levelMs) => levelMs <= bucketMs);
  const exact = fitting.filter((levelMs) => bucketMs % levelMs === 0 && mod(start, levelMs) === 0);
  const levelMs = exact.at(-1) ?? (fitting.at(-1) as number);
  return { bucketMs, source: { levelMs }, readFrom: start - mod(start, levelMs) };
}

/** Sums (time, count) rows into the plan's buckets; a granule counts in the bucket holding its start. */
export function fillHistogram(
  request: HistogramRequest,
  plan: HistogramPlan,
  rows: Iterable<readonly [time: number, count: number]>,
): Histogram {
  const counts = new Array<number>(request.buckets).fill(0);
  for (const [time, count] of rows) {
    const bucket = Math.min(request.buckets - 1, Math.max(0, Math.floor((time - request.start) / plan.bucketMs)));
    counts[bucket] = (counts[bucket] ?? 0) + count;
  }
  const resolutionMs = plan.source === 'raw' ? 1 : plan.source.levelMs;
  return { start: request.start, end: request.end, bucketMs: plan.bucketMs, resolutionMs, counts };
}

function mod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}
