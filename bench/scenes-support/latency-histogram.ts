/**
 * Latency samples in fixed 10 µs buckets up to 2 s (bounded memory at
 * hundreds of thousands of samples a second), with the exact maximum.
 * Percentiles are nearest-rank over the buckets: exact to 10 µs.
 */

const BUCKET_MS = 0.01;
const BUCKETS = 200_000;

export interface LatencyFigures {
  readonly count: number;
  /** Samples under 0 (counted in the first bucket): the receiver's clock is behind the sender's. */
  readonly negative: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS + 1);
  #count = 0;
  #negative = 0;
  #max = 0;

  add(latencyMs: number): void {
    if (latencyMs < 0) this.#negative += 1;
    const bucket = latencyMs <= 0 ? 0 : Math.min(BUCKETS, Math.floor(latencyMs / BUCKET_MS));
    this.#counts[bucket] = (this.#counts[bucket] as number) + 1;
    this.#count += 1;
    if (latencyMs > this.#max) this.#max = latencyMs;
  }

  figures(): LatencyFigures {
    return { count: this.#count, negative: this.#negative, p50: this.#percentile(50), p90: this.#percentile(90), p99: this.#percentile(99), max: Math.round(this.#max * 1000) / 1000 };
  }

  #percentile(p: number): number {
    if (this.#count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (let bucket = 0; bucket <= BUCKETS; bucket += 1) {
      seen += this.#counts[bucket] as number;
      if (seen >= rank) return Math.round((bucket + 1) * BUCKET_MS * 1000) / 1000;
    }
    return this.#max;
  }
}
