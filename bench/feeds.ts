/**
 * The feeds benchmark (DESIGN "Performance targets", feeds): adds per second
 * into many feeds of maxItems 100, single and batched, then first-page read
 * latency while single adds go on, for the SQLite and PostgreSQL feed stores
 * (durable: SQLite WAL synchronous=FULL, PostgreSQL default commit) and, in
 * the same run, Redis with a sorted set per feed (ZADD + ZREMRANGEBYRANK in a
 * pipeline, ZREVRANGE to read), each of ours as a ratio to Redis.
 *
 *   npx tsx bench/feeds.ts [--feeds N] [--seconds S] [--stores sqlite,postgres] [--postgres-url URL] [--redis-url URL] [--redis-fsync]
 *
 * --redis-fsync also measures Redis made as durable as the stores (`appendonly yes`, `appendfsync
 * always`, set with CONFIG SET for that phase and put back after) and reports each store against it too.
 *
 * Every figure is one JSON line on stdout; progress goes to stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { FeedOperation, FeedStore } from '../src/store/feed-store.js';
import { PostgresFeedStore } from '../src/store/postgres/postgres-feed-store.js';
import { quoteIdentifier } from '../src/store/postgres/postgres-sql.js';
import { SqliteFeedStore } from '../src/store/sqlite/sqlite-feed-store.js';
import { cleanupOnSignals, onCleanup, runCleanup } from './support/cleanup.js';
import { seededRandom } from './support/random.js';
import { round, summarize } from './support/stats.js';

const MAX_ITEMS = 100;
const PAGE_ITEMS = 20;
const BATCH_ITEMS = 100;
/** Writes in flight: single adds from many clients at once; batches from a few producers. */
const SINGLE_CONCURRENCY = 32;
const BATCH_CONCURRENCY = 4;
const READERS = 4;
const READ_WRITER_CONCURRENCY = 8;
/** DESIGN: >= 0.5x Redis adds/s while durable; the issue: read p99 <= 2 ms. */
const ADD_RATIO_TARGET = 0.5;
const READ_P99_TARGET_MS = 2;

interface Item { readonly key: string; readonly id: string; readonly time: number }

interface Target {
  readonly name: string;
  add(items: readonly Item[]): Promise<void>;
  firstPage(key: string): Promise<number>;
  close(): Promise<void>;
}

const { values } = parseArgs({
  options: {
    // The issue asks for 100k feeds; 2,000 full feeds (200k items) keep one run within about 2 minutes on a shared 2-core machine.
    feeds: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '8' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    'postgres-url': { type: 'string', default: process.env.PLAYHEAD_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'redis-url': { type: 'string', default: process.env.PLAYHEAD_BENCH_REDIS ?? 'redis://127.0.0.1:6379' },
    'redis-fsync': { type: 'boolean', default: false },
  },
});
const FEEDS = Number(values.feeds);
const SECONDS = Number(values.seconds);
if (!Number.isSafeInteger(FEEDS) || FEEDS < 1 || !(SECONDS > 0)) throw new RangeError('--feeds must be an integer >= 1 and --seconds > 0');

function report(store: string, metric: string, fields: Record<string, number | string | boolean | null>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'feeds', store, metric, feeds: FEEDS, max_items: MAX_ITEMS, ...fields })}\n`);
}

function progress(message: string): void {
  process.stderr.write(`[bench:feeds] ${message}\n`);
}

function playheadTarget(name: string, store: FeedStore): Target {
  return {
    name,
    add: async (items) => {
      const byKey = new Map<string, { id: string; time: number; dataJson: null }[]>();
      for (const { key, id, time } of items) {
        const list = byKey.get(key) ?? [];
        list.push({ id, time, dataJson: null });
        byKey.set(key, list);
      }
      const operations: FeedOperation[] = [...byKey].map(([key, list]) => ({ kind: 'add', key, items: list }));
      await store.write(operations, { defaultMaxItems: MAX_ITEMS });
    },
    firstPage: async (key) => (await store.read(key, { limit: PAGE_ITEMS })).items.length,
    close: () => store.close(),
  };
}

async function openSqlite(): Promise<Target> {
  const folder = mkdtempSync(join(tmpdir(), 'playhead-bench-feeds-'));
  onCleanup('sqlite folder', () => rmSync(folder, { recursive: true, force: true }));
  return playheadTarget('sqlite', SqliteFeedStore.open({ path: join(folder, 'feeds.db') }));
}

async function openPostgres(url: string): Promise<Target> {
  const schema = `playhead_bench_feeds_${process.pid}_${Date.now().toString(36)}`;
  const store = await PostgresFeedStore.open({ connectionString: url, schema });
  onCleanup(`drop schema ${schema}`, async () => {
    const admin = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    } finally {
      await admin.end();
    }
  });
  return playheadTarget('postgres', store);
}

async function openRedis(url: string, name = 'redis'): Promise<Target> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const prefix = `playhead:bench:feeds:${process.pid}:${name}:`;
  onCleanup('redis keys', async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  });
  return {
    name,
    add: async (items) => {
      const pipeline = redis.pipeline();
      for (const { key, id, time } of items) pipeline.zadd(prefix + key, time, id).zremrangebyrank(prefix + key, 0, -(MAX_ITEMS + 1));
      await pipeline.exec();
    },
    firstPage: async (key) => (await redis.zrevrange(prefix + key, 0, PAGE_ITEMS - 1, 'WITHSCORES')).length / 2,
    close: async () => undefined,
  };
}

/** Hands out ids and ever-newer times; each add goes to a random feed. */
class Workload {
  #next = 0;
  readonly #random = seededRandom(42);

  item(): Item {
    this.#next += 1;
    return { key: `f${Math.floor(this.#random() * FEEDS)}`, id: `i${this.#next}`, time: this.#next };
  }

  key(): string {
    return `f${Math.floor(this.#random() * FEEDS)}`;
  }
}

/** Runs `workers` loops of `step` for SECONDS; returns items per second. */
async function runFor(workers: number, seconds: number, step: () => Promise<number>): Promise<{ perSecond: number; total: number }> {
  const deadline = performance.now() + seconds * 1_000;
  let total = 0;
  const began = performance.now();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < deadline) {
      const done = await step(); // not `total += await step()`: that reads total before the await and loses the other workers' counts
      total += done;
    }
  }));
  const elapsed = (performance.now() - began) / 1_000;
  return { perSecond: Math.round(total / elapsed), total };
}

/** Fills every feed to its bound first, so each measured add also trims one item (the steady state). */
async function prefill(target: Target, workload: Workload): Promise<void> {
  const began = performance.now();
  const total = FEEDS * MAX_ITEMS;
  for (let written = 0; written < total; written += BATCH_ITEMS * BATCH_CONCURRENCY) {
    await Promise.all(Array.from({ length: BATCH_CONCURRENCY }, (_, w) => target.add(Array.from({ length: BATCH_ITEMS }, (_, i) => {
      const n = written + w * BATCH_ITEMS + i;
      return { ...workload.item(), key: `f${n % FEEDS}` };
    }))));
  }
  const seconds = (performance.now() - began) / 1_000;
  report(target.name, 'prefill', { items: total, seconds: round(seconds), adds_per_s: Math.round(total / seconds) });
}

async function measure(target: Target): Promise<{ single: number; batched: number }> {
  const workload = new Workload();
  progress(`${target.name}: filling ${FEEDS} feeds to ${MAX_ITEMS} items`);
  await prefill(target, workload);
  progress(`${target.name}: batched adds (${BATCH_ITEMS} items per write into random feeds), ${SECONDS} s`);
  const batched = await runFor(BATCH_CONCURRENCY, SECONDS, async () => {
    await target.add(Array.from({ length: BATCH_ITEMS }, () => workload.item()));
    return BATCH_ITEMS;
  });
  report(target.name, 'adds_batched', { adds_per_s: batched.perSecond, adds: batched.total, items_per_write: BATCH_ITEMS, in_flight: BATCH_CONCURRENCY });
  progress(`${target.name}: single adds (one item per write), ${SECONDS} s`);
  const single = await runFor(SINGLE_CONCURRENCY, SECONDS, async () => {
    await target.add([workload.item()]);
    return 1;
  });
  report(target.name, 'adds_single', { adds_per_s: single.perSecond, adds: single.total, in_flight: SINGLE_CONCURRENCY });
  progress(`${target.name}: first-page reads while single adds go on, ${SECONDS} s`);
  const latencies: number[] = [];
  let writing = true;
  const writers = Promise.all(Array.from({ length: READ_WRITER_CONCURRENCY }, async () => {
    while (writing) await target.add([workload.item()]);
  }));
  const reads = await runFor(READERS, SECONDS, async () => {
    const began = performance.now();
    await target.firstPage(workload.key());
    latencies.push(performance.now() - began);
    return 1;
  });
  writing = false;
  await writers;
  const summary = summarize(latencies);
  report(target.name, 'first_page_read', {
    reads_per_s: reads.perSecond, p50_ms: summary.p50, p99_ms: summary.p99, max_ms: summary.max, page_items: PAGE_ITEMS,
    readers: READERS, writers_in_flight: READ_WRITER_CONCURRENCY,
    ...(target.name === 'redis' ? {} : { p99_target_ms: READ_P99_TARGET_MS, meets_target: summary.p99 <= READ_P99_TARGET_MS }),
  });
  return { single: single.perSecond, batched: batched.perSecond };
}

/** Redis with every write fsynced to its append-only file before the reply, as our stores commit; its settings are put back after. */
async function measureRedisFsyncAlways(url: string): Promise<{ single: number; batched: number }> {
  const admin = new Redis(url);
  const [, appendonly] = (await admin.config('GET', 'appendonly')) as [string, string];
  const [, appendfsync] = (await admin.config('GET', 'appendfsync')) as [string, string];
  const restore = async () => {
    await admin.config('SET', 'appendfsync', appendfsync);
    await admin.config('SET', 'appendonly', appendonly);
    await admin.quit();
  };
  const restoreNow = onCleanup('redis persistence settings', restore);
  await admin.config('SET', 'appendfsync', 'always');
  await admin.config('SET', 'appendonly', 'yes');
  // Turning appendonly on rewrites the file in the background first; measure after it.
  while (/aof_rewrite_in_progress:1|aof_rewrite_scheduled:1/.test(await admin.info('persistence'))) await new Promise((resolve) => setTimeout(resolve, 100));
  const result = await measure(await openRedis(url, 'redis_fsync'));
  await restoreNow();
  report('redis_fsync', 'durability', { appendonly: true, appendfsync: 'always' });
  return result;
}

async function main(): Promise<void> {
  cleanupOnSignals();
  // The machine is shared: the load average says how much of it this run had.
  const loadAtStart = round(loadavg()[0] ?? 0, 2);
  onCleanup('machine load', () => report('machine', 'load', { load_at_start: loadAtStart, load_at_end: round(loadavg()[0] ?? 0, 2) }));
  const results = new Map<string, { single: number; batched: number }>();
  const redis = await openRedis(values['redis-url']).catch((error: unknown) => {
    report('redis', 'skipped', { skipped: true, reason: error instanceof Error ? error.message : String(error) });
    return undefined;
  });
  let persistence: boolean | null = null;
  if (redis !== undefined) {
    const probe = new Redis(values['redis-url']);
    persistence = /aof_enabled:1/.test(await probe.info('persistence'));
    await probe.quit();
  }
  if (redis !== undefined) {
    results.set('redis', await measure(redis));
    report('redis', 'durability', { appendonly: persistence });
    if (values['redis-fsync']) results.set('redis_fsync', await measureRedisFsyncAlways(values['redis-url']));
  }
  for (const name of values.stores.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (name !== 'sqlite' && name !== 'postgres') throw new RangeError(`--stores takes sqlite and postgres, got ${JSON.stringify(name)}`);
    let target: Target;
    try {
      target = name === 'sqlite' ? await openSqlite() : await openPostgres(values['postgres-url']);
    } catch (error) {
      report(name, 'skipped', { skipped: true, reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    const ours = await measure(target);
    results.set(name, ours);
    await target.close();
    const peer = results.get('redis');
    if (peer !== undefined) {
      for (const kind of ['single', 'batched'] as const) {
        const ratio = round(ours[kind] / peer[kind], 2);
        report(name, `adds_${kind}_vs_redis`, { ratio, ours: ours[kind], redis: peer[kind], target_ratio: ADD_RATIO_TARGET, meets_target: ratio >= ADD_RATIO_TARGET });
      }
    }
    const durablePeer = results.get('redis_fsync');
    if (durablePeer !== undefined) {
      for (const kind of ['single', 'batched'] as const) {
        report(name, `adds_${kind}_vs_redis_fsync`, { ratio: round(ours[kind] / durablePeer[kind], 2), ours: ours[kind], redis_fsync: durablePeer[kind] });
      }
    }
  }
}

main().then(runCleanup, async (error: unknown) => {
  await runCleanup();
  console.error(error);
  process.exitCode = 1;
}).finally(() => process.exit());
