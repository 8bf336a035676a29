/**
 * Histogram latency: `store.histogram` over windows of a channel, repeated,
 * and once beside it the GROUP BY a peer without kept counts runs by hand.
 */
import { setImmediate } from 'node:timers/promises';
import type { EventStore, HistogramRequest } from '../../src/store/event-store.js';
import type { RawSql } from './bench-target.js';
import { round, summarize, type LatencySummary } from './stats.js';

export interface HistogramPlan {
  readonly channel: string;
  readonly channelId: number;
  /** One timed call per window; the raw query runs once, on the first. */
  readonly windows: readonly HistogramRequest[];
  readonly warmup: number;
}

export interface HistogramFigures {
  readonly ours: LatencySummary;
  /** Events the first window's histogram counted, ours and raw (ours is exact when the buckets fit its granules). */
  readonly counted: number;
  readonly rawCounted: number;
  readonly rawMs: number;
}

export async function measureHistogram(store: EventStore, raw: RawSql, plan: HistogramPlan): Promise<HistogramFigures> {
  const first = plan.windows[0];
  if (first === undefined) throw new RangeError('measureHistogram needs at least one window');
  for (let run = 0; run < plan.warmup; run += 1) await store.histogram(plan.channel, plan.windows[run % plan.windows.length] as HistogramRequest);
  const samples: number[] = [];
  let counted = 0;
  for (const [index, window] of plan.windows.entries()) {
    const began = performance.now();
    const histogram = await store.histogram(plan.channel, window);
    samples.push(performance.now() - began);
    if (index === 0) counted = histogram.counts.reduce((sum, count) => sum + count, 0);
    await setImmediate(); // lets signals (SIGINT's cleanup) in between runs
  }
  const bucketMs = Math.max(1, Math.ceil((first.end - first.start) / first.buckets));
  const began = performance.now();
  const rawCounted = await raw.histogram(plan.channelId, first.start, first.end, bucketMs);
  const rawMs = round(performance.now() - began);
  return { ours: summarize(samples), counted, rawCounted, rawMs };
}
