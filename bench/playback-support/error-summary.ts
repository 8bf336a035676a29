/** Summary of signed timing errors (ms): percentiles of the error, of its absolute value, and the count of early deliveries. */
import { percentile, round } from '../support/stats.js';

/** An event counts as early when it arrived more than this before its estimated due time (below it is clock noise). */
export const EARLY_THRESHOLD_MS = 0.5;

export interface ErrorSummary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly min: number;
  readonly absP50: number;
  readonly absP99: number;
  readonly absMax: number;
  /** Deliveries with error < -earlyThresholdMs. */
  readonly early: number;
  readonly samples: number;
}

export function summarizeErrors(samples: ArrayLike<number>, earlyThresholdMs = EARLY_THRESHOLD_MS): ErrorSummary {
  if (samples.length === 0) {
    return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN, min: Number.NaN, absP50: Number.NaN, absP99: Number.NaN, absMax: Number.NaN, early: 0, samples: 0 };
  }
  const sorted = Array.from(Float64Array.from(samples).sort());
  const absSorted = Array.from(Float64Array.from(sorted, Math.abs).sort());
  let early = 0;
  for (const error of sorted) {
    if (error >= -earlyThresholdMs) break;
    early += 1;
  }
  return {
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] as number),
    min: round(sorted[0] as number),
    absP50: round(percentile(absSorted, 50)),
    absP99: round(percentile(absSorted, 99)),
    absMax: round(absSorted[absSorted.length - 1] as number),
    early,
    samples: sorted.length,
  };
}
