/**
 * The store benchmark (DESIGN "Performance targets"): for each store, the
 * direct append rate, durable ingest over HTTP, then on a channel of
 * `--events` events (10M by default) seek latency and histogram latency,
 * each beside the same read written by hand on the raw driver.
 *
 *   npx tsx bench/store.ts [--events N] [--stores sqlite,postgres] [--skip-http] [--postgres-url URL]
 *
 * Every figure is one JSON line on stdout; progress goes to stderr. See bench/README.md.
 */
import { setImmediate } from 'node:timers/promises';
import { normalizeEvent, type NewEvent } from '../src/core/event.js';
import { INGEST_DEFAULTS } from '../src/ingest/ingestor.js';
import type { EventStore, HistogramRequest } from '../src/store/event-store.js';
import { parseBenchOptions, type BenchOptions, type StoreKind } from './support/bench-options.js';
import type { BenchTarget } from './support/bench-target.js';
import { cleanupOnSignals, runCleanup } from './support/cleanup.js';
import { BENCH_EPOCH_MS, EventStream, type EventStreamOptions } from './support/event-stream.js';
import { measureHistogram } from './support/histogram-latency.js';
import { measureHttpIngest } from './support/http-ingest.js';
import { openPostgresTarget } from './support/postgres-target.js';
import { seededRandom } from './support/random.js';
import { progress, report } from './support/report.js';
import { measureSeek } from './support/seek-latency.js';
import { openSqliteTarget } from './support/sqlite-target.js';
import { round } from './support/stats.js';

/** Durable ingest over HTTP (DESIGN), events/s. */
const HTTP_INGEST_TARGET: Record<StoreKind, number> = { sqlite: 100_000, postgres: 50_000 };
/** Seek p99 at most this times the raw keyset query's p99 (DESIGN). */
const SEEK_TARGET_RATIO = 1.5;
/** Histogram on 10M events (DESIGN), ms. */
const HISTOGRAM_TARGET_MS = 20;

const APPEND = { channel: 'bench.append', batches: 200, warmupBatches: 5, batchSize: 1_000 } as const;
const HTTP = { channel: 'bench.http', requests: 200, warmup: 10, batchSize: 1_000, concurrency: 4, seed: 7 } as const;
/** Many producers posting one event each, as devices do: group commit (src/ingest/coalescing-writer.ts) is what carries them. */
const SMALL_POSTS = { channel: 'bench.small', requests: 5_000, warmup: 50, batchSize: 1, concurrency: 32, seed: 8 } as const;
const BUILD = { channel: 'bench.seek', batchSize: 10_000, progressEvery: 1_000_000 } as const;
const SEEK = { reads: 200, warmup: 20, pageSize: 1_000, firstEventPageSize: 100 } as const;
const HISTOGRAM = { runs: 50, warmup: 5, fullBuckets: 200, windowMs: 3_600_000, windowBuckets: 100 } as const;

/** ~100 events/s with jitter, 1% arriving up to 5 s late: 10M events span ~28 hours. */
const STREAM: Omit<EventStreamOptions, 'seed' | 'payload' | 'idPrefix'> = {
  startTs: BENCH_EPOCH_MS, meanGapMs: 10, lateFraction: 0.01, maxLateMs: 5_000,
};

function normalize(stream: EventStream, count: number): NewEvent[] {
  const context = { now: Date.now(), maxEventBytes: INGEST_DEFAULTS.maxEventBytes };
  return stream.take(count).map((input) => normalizeEvent(input, context));
}

async function benchDirectAppend(kind: StoreKind, store: EventStore): Promise<void> {
  const stream = new EventStream({ ...STREAM, seed: 1, payload: 'rich', idPrefix: 'direct' });
  const batches = Array.from({ length: APPEND.warmupBatches + APPEND.batches }, () => normalize(stream, APPEND.batchSize));
  for (const batch of batches.slice(0, APPEND.warmupBatches)) await store.append(APPEND.channel, batch);
  let accepted = 0;
  const began = performance.now();
  for (const batch of batches.slice(APPEND.warmupBatches)) accepted += (await store.append(APPEND.channel, batch)).accepted;
  const seconds = (performance.now() - began) / 1_000;
  report(kind, 'append_direct', {
    events_per_s: Math.round(accepted / seconds), events: accepted, seconds: round(seconds), batch_size: APPEND.batchSize,
  });
}

async function benchHttpIngest(kind: StoreKind, store: EventStore): Promise<void> {
  const result = await measureHttpIngest(store, HTTP);
  const expected = HTTP.requests * HTTP.batchSize;
  if (result.accepted !== expected) throw new Error(`HTTP ingest acknowledged ${result.accepted} events, expected ${expected}`);
  const eventsPerS = Math.round(result.accepted / result.seconds);
  report(kind, 'http_ingest', {
    events_per_s: eventsPerS, target: HTTP_INGEST_TARGET[kind], meets_target: eventsPerS >= HTTP_INGEST_TARGET[kind],
    events: result.accepted, seconds: round(result.seconds), batch_size: HTTP.batchSize, in_flight: HTTP.concurrency,
  });
}

async function benchSmallPosts(kind: StoreKind, store: EventStore): Promise<void> {
  const result = await measureHttpIngest(store, SMALL_POSTS);
  report(kind, 'http_single_event_posts', {
    posts_per_s: Math.round(result.requests / result.seconds), events: result.accepted, seconds: round(result.seconds), in_flight: SMALL_POSTS.concurrency,
  });
}

/** Loads the channel that seeks and histograms read: small events without ids, in big batches. */
async function buildChannel(kind: StoreKind, store: EventStore, events: number): Promise<void> {
  const stream = new EventStream({ ...STREAM, seed: 2, payload: 'small', idPrefix: null });
  let written = 0;
  let appendMs = 0;
  let nextProgress = BUILD.progressEvery;
  const began = performance.now();
  while (written < events) {
    const batch = normalize(stream, Math.min(BUILD.batchSize, events - written));
    const appendBegan = performance.now();
    written += (await store.append(BUILD.channel, batch)).accepted;
    appendMs += performance.now() - appendBegan;
    // SQLite appends never leave the microtask queue: let a SIGINT's cleanup run between batches.
    await setImmediate();
    if (written >= nextProgress || written === events) {
      progress(`${kind}: ${written.toLocaleString('en')} / ${events.toLocaleString('en')} events `
        + `(${Math.round(written / (appendMs / 1_000)).toLocaleString('en')} ev/s appending)`);
      nextProgress += BUILD.progressEvery;
    }
  }
  report(kind, 'build_channel', {
    events: written, events_per_s: Math.round(written / (appendMs / 1_000)), append_seconds: round(appendMs / 1_000),
    wall_seconds: round((performance.now() - began) / 1_000), batch_size: BUILD.batchSize,
  });
}

async function benchSeek(kind: StoreKind, target: BenchTarget, channelId: number, range: Range, events: number): Promise<void> {
  const random = seededRandom(3);
  const pick = () => range.first + Math.floor(random() * (range.last - range.first + 1));
  for (const [metric, pageSize] of [['seek_first_1000', SEEK.pageSize], ['seek_first_event', SEEK.firstEventPageSize]] as const) {
    const figures = await measureSeek(target.store, target.raw, {
      channel: BUILD.channel, channelId, pageSize,
      warmupTimes: Array.from({ length: SEEK.warmup }, pick),
      times: Array.from({ length: SEEK.reads }, pick),
    });
    const ratioP99 = round(figures.ours.p99 / figures.raw.p99, 2);
    report(kind, metric, {
      p50_ms: figures.ours.p50, p99_ms: figures.ours.p99, max_ms: figures.ours.max,
      raw_p50_ms: figures.raw.p50, raw_p99_ms: figures.raw.p99, raw_max_ms: figures.raw.max,
      ratio_p50: round(figures.ours.p50 / figures.raw.p50, 2), ratio_p99: ratioP99,
      target_ratio: SEEK_TARGET_RATIO, meets_target: ratioP99 <= SEEK_TARGET_RATIO,
      raw_decoded_p50_ms: figures.rawDecoded.p50, raw_decoded_p99_ms: figures.rawDecoded.p99,
      ratio_decoded_p99: round(figures.ours.p99 / figures.rawDecoded.p99, 2),
      page_size: pageSize, reads: SEEK.reads, events,
    });
  }
}

async function benchHistogram(kind: StoreKind, target: BenchTarget, channelId: number, range: Range, events: number): Promise<void> {
  const full: HistogramRequest = { start: range.first, end: range.last + 1, buckets: HISTOGRAM.fullBuckets };
  const random = seededRandom(4);
  const latestStart = Math.max(range.first, range.last + 1 - HISTOGRAM.windowMs);
  const hour = (): HistogramRequest => {
    const start = range.first + Math.floor(random() * (latestStart - range.first + 1));
    return { start, end: start + HISTOGRAM.windowMs, buckets: HISTOGRAM.windowBuckets };
  };
  const cases = [
    ['histogram_full', Array.from({ length: HISTOGRAM.runs }, () => full)],
    ['histogram_1h', Array.from({ length: HISTOGRAM.runs }, hour)],
  ] as const;
  for (const [metric, windows] of cases) {
    const figures = await measureHistogram(target.store, target.raw, {
      channel: BUILD.channel, channelId, windows, warmup: HISTOGRAM.warmup,
    });
    const first = windows[0] as HistogramRequest;
    report(kind, metric, {
      p50_ms: figures.ours.p50, p99_ms: figures.ours.p99, max_ms: figures.ours.max,
      raw_group_by_ms: figures.rawMs, speedup_p50: round(figures.rawMs / figures.ours.p50, 1),
      target_ms: HISTOGRAM_TARGET_MS, meets_target: figures.ours.p99 <= HISTOGRAM_TARGET_MS,
      buckets: first.buckets, window_ms: first.end - first.start, runs: windows.length,
      counted: figures.counted, raw_counted: figures.rawCounted, events,
    });
  }
}

interface Range {
  readonly first: number;
  readonly last: number;
}

async function benchStore(kind: StoreKind, options: BenchOptions): Promise<void> {
  const opened = kind === 'sqlite' ? openSqliteTarget() : await openPostgresTarget(options.postgresUrl);
  if ('skipped' in opened) {
    report(kind, 'skipped', { skipped: true, reason: opened.skipped });
    return;
  }
  const target = opened;
  progress(`${kind}: ${target.location}`);
  try {
    progress(`${kind}: direct append`);
    await benchDirectAppend(kind, target.store);
    if (!options.skipHttp) {
      progress(`${kind}: HTTP ingest`);
      await benchHttpIngest(kind, target.store);
      await benchSmallPosts(kind, target.store);
    }
    progress(`${kind}: building a channel of ${options.events.toLocaleString('en')} events`);
    await buildChannel(kind, target.store, options.events);
    await target.settle();
    const info = await target.store.getChannel(BUILD.channel);
    if (info === undefined || info.firstTs === null || info.lastTs === null || info.count !== options.events) {
      throw new Error(`channel ${BUILD.channel} holds ${info?.count ?? 0} events, expected ${options.events}`);
    }
    const range = { first: info.firstTs, last: info.lastTs };
    const channelId = await target.raw.channelId(BUILD.channel);
    progress(`${kind}: seeks`);
    await benchSeek(kind, target, channelId, range, info.count);
    progress(`${kind}: histograms`);
    await benchHistogram(kind, target, channelId, range, info.count);
  } finally {
    await target.dispose();
  }
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  cleanupOnSignals();
  try {
    for (const kind of options.stores) await benchStore(kind, options);
  } finally {
    await runCleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/store.ts failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
