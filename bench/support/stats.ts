/** Latency summaries: nearest-rank percentiles over a run's samples, in ms. */

export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentile (p in [0, 100]) of samples sorted ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

/** Median of numbers sorted ascending; of an even count, the mean of the middle two (unlike `percentile`'s nearest rank). */
export function median(sorted: readonly number[]): number {
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? round(((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2) : (sorted[Math.floor(middle)] as number);
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1] as number) };
}

/** Three decimals: µs resolution in ms figures, and no float noise in the JSON lines. */
export function round(value: number, decimals = 3): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
