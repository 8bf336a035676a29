/**
 * The timeline benchmark (DESIGN "Performance targets": >= 1M events/s per
 * core, >= 10x PostgreSQL window functions): the rebuffering query over
 * generated video sessions, evaluated incrementally on one core, and the
 * same answer (total rebuffering seconds at the end) computed by PostgreSQL
 * with window functions over the same events, in the same run.
 *
 *   npx tsx bench/timelines.ts [--sessions N] [--events-per-session M] [--postgres-url URL] [--skip-postgres]
 *
 * One JSON line per figure on stdout; progress on stderr. The issue asks for
 * 100k sessions x 100 events; the default is 20k x 100 (2M events) so the run
 * (both sides, PostgreSQL's COPY included) stays within a couple of minutes
 * on the shared 2-core machine. Both sides compute the same total, checked.
 */
import { parseArgs } from 'node:util';
import { PerformanceObserver } from 'node:perf_hooks';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { REBUFFERING_QUERY, videoSessionEvents, type VideoSessionEvent, type VideoSessionOptions } from '../src/cli/video-sessions.js';
import { systemClock } from '../src/core/clock.js';
import { compileTimeline } from '../src/timeline/compile-timeline.js';
import { TimelineEvaluator } from '../src/timeline/timeline-evaluator.js';
import { cleanupOnSignals, onCleanup, runCleanup } from './support/cleanup.js';
import { DEFAULT_POSTGRES_URL } from './support/bench-options.js';

const TARGET_EVENTS_PER_S = 1_000_000;
const TARGET_RATIO = 10;
const CHUNK_EVENTS = 100_000;
const SEEK_WINDOW_MS = 5_000;
const BENCH_START_TS = Date.UTC(2026, 0, 1);
const SEED = 6;

function report(metric: string, fields: Record<string, string | number | boolean | null>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'timelines', metric, ...fields })}\n`);
}

function progress(message: string): void {
  process.stderr.write(`[bench:timelines] ${message}\n`);
}

function options() {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string', default: '20000' },
      'events-per-session': { type: 'string', default: '100' },
      'postgres-url': { type: 'string', default: process.env.PLAYHEAD_BENCH_POSTGRES ?? DEFAULT_POSTGRES_URL },
      'skip-postgres': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const sessions = Number(values.sessions.replaceAll('_', ''));
  const eventsPerSession = Number(values['events-per-session']);
  if (!Number.isSafeInteger(sessions) || sessions < 1) throw new RangeError(`--sessions must be an integer >= 1, got ${values.sessions}`);
  if (!Number.isSafeInteger(eventsPerSession) || eventsPerSession < 2) throw new RangeError(`--events-per-session must be an integer >= 2`);
  return { sessions, eventsPerSession, postgresUrl: values['postgres-url'], skipPostgres: values['skip-postgres'] };
}

/** Chunks of generated events, so the input never has to be in memory at once. */
function* chunks(generator: VideoSessionOptions) {
  let chunk: { ts: number; seq: number; data: VideoSessionEvent['data'] }[] = [];
  let seq = 0;
  for (const event of videoSessionEvents(generator)) {
    chunk.push({ ts: event.ts, seq: ++seq, data: event.data });
    if (chunk.length === CHUNK_EVENTS) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * Events/s per core is events over the CPU time the pushes took (user +
 * system, GC included): on a shared machine wall time also counts the
 * time other processes held the core.
 */
async function incremental(generator: VideoSessionOptions): Promise<{ seconds: number; cpuSeconds: number; gcSeconds: number; events: number; totalS: number; endTs: number }> {
  // Collector pauses of the main thread that began while pushing (the generator's, between chunks, are not counted).
  const pauses: { start: number; duration: number }[] = [];
  const pushes: { start: number; end: number }[] = [];
  const collections = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push({ start: entry.startTime, duration: entry.duration });
  });
  collections.observe({ entryTypes: ['gc'] });
  const evaluator = new TimelineEvaluator({ plan: compileTimeline(REBUFFERING_QUERY), key: 'data.session', clock: systemClock });
  let seconds = 0;
  let cpuSeconds = 0;
  let events = 0;
  let endTs = 0;
  for (const chunk of chunks(generator)) {
    const began = performance.now();
    const cpu = process.cpuUsage();
    evaluator.pushAll(chunk);
    pushes.push({ start: began, end: performance.now() });
    const used = process.cpuUsage(cpu);
    cpuSeconds += (used.user + used.system) / 1e6;
    seconds += (performance.now() - began) / 1_000;
    events += chunk.length;
    for (const event of chunk) if (event.ts > endTs) endTs = event.ts;
  }
  // The observer is called asynchronously: let it see the last pauses.
  await new Promise((resolve) => setTimeout(resolve, 50));
  collections.disconnect();
  const gcMs = pauses.filter((pause) => pushes.some((push) => pause.start >= push.start && pause.start < push.end)).reduce((sum, pause) => sum + pause.duration, 0);
  let totalS = 0;
  for (const key of evaluator.keys()) totalS += evaluator.valueAt(key, endTs) as number;
  return { seconds, cpuSeconds, gcSeconds: gcMs / 1_000, events, totalS, endTs };
}

/**
 * The same answer in SQL: each buffer interval after the first play, minus the part within 5 s of the latest seek.
 * All three window functions share one window (`lead` ignores the frame), so PostgreSQL makes one WindowAgg
 * pass, fed in order by an index-only scan of the covering index.
 */
function rebufferingSql(table: string): string {
  return `WITH e AS (
    SELECT state, ts,
      lead(ts, 1, $1::bigint) OVER running AS next_ts,
      max(ts) FILTER (WHERE state = 'seek') OVER running AS last_seek,
      min(ts) FILTER (WHERE state = 'play') OVER running AS first_play
    FROM ${table}
    WINDOW running AS (PARTITION BY session ORDER BY ts, seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
  )
  SELECT coalesce(sum(greatest(0, next_ts - greatest(ts, coalesce(last_seek + ${SEEK_WINDOW_MS}, ts)))), 0)::float8 / 1000 AS total_s
  FROM e WHERE state = 'buffer' AND first_play IS NOT NULL`;
}

async function postgres(url: string, generator: VideoSessionOptions, endTs: number) {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const schema = `playhead_bench_tl_${process.pid}`;
  const dispose = onCleanup(`drop schema ${schema}`, async () => {
    try {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await pool.end();
    }
  });
  const table = `${schema}.events`;
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(`CREATE TABLE ${table} (session text NOT NULL, ts bigint NOT NULL, seq bigint NOT NULL, state text NOT NULL)`);
  const client = await pool.connect();
  const loadBegan = performance.now();
  try {
    for (const chunk of chunks(generator)) {
      const lines = chunk.map((event) => `${event.data.session}\t${event.ts}\t${event.seq}\t${event.data.playerStateChange}\n`).join('');
      await pipeline(Readable.from([lines]), client.query(copyFrom(`COPY ${table} (session, ts, seq, state) FROM STDIN`)));
    }
    // Covering (state included) and vacuumed (the visibility map set, as autovacuum would): an index-only scan, no heap fetch per row.
    await client.query(`CREATE INDEX ON ${table} (session, ts, seq) INCLUDE (state)`);
    await client.query(`VACUUM (ANALYZE) ${table}`);
  } finally {
    client.release();
  }
  const loadSeconds = (performance.now() - loadBegan) / 1_000;
  const sql = rebufferingSql(table);
  await pool.query(sql, [endTs]); // warm-up: caches and plan
  const began = performance.now();
  const { rows } = await pool.query<{ total_s: number }>(sql, [endTs]);
  const seconds = (performance.now() - began) / 1_000;
  await dispose();
  return { seconds, loadSeconds, totalS: Number(rows[0]?.total_s ?? 0) };
}

async function main(): Promise<void> {
  cleanupOnSignals();
  const { sessions, eventsPerSession, postgresUrl, skipPostgres } = options();
  const generator: VideoSessionOptions = { sessions, eventsPerSession, seed: SEED, startTs: BENCH_START_TS };
  progress(`${sessions} sessions x ${eventsPerSession} events, rebuffering query`);
  const ours = await incremental(generator);
  const oursRate = ours.events / ours.cpuSeconds;
  report('incremental', {
    sessions, events: ours.events, wall_seconds: Math.round(ours.seconds * 1_000) / 1_000, cpu_seconds: Math.round(ours.cpuSeconds * 1_000) / 1_000,
    gc_pause_seconds: Math.round(ours.gcSeconds * 1_000) / 1_000,
    events_per_s_wall: Math.round(ours.events / ours.seconds), events_per_s_per_core: Math.round(oursRate),
    target: TARGET_EVENTS_PER_S, meets_target: oursRate >= TARGET_EVENTS_PER_S, rebuffering_total_s: Math.round(ours.totalS * 1_000) / 1_000,
  });
  if (skipPostgres) return;
  progress('PostgreSQL: loading the same events by COPY, then the window-function query');
  const peer = await postgres(postgresUrl, generator, ours.endTs);
  const peerRate = ours.events / peer.seconds;
  report('postgres_window_functions', {
    sessions, events: ours.events, seconds: Math.round(peer.seconds * 1_000) / 1_000, events_per_s: Math.round(peerRate),
    load_seconds: Math.round(peer.loadSeconds * 1_000) / 1_000, rebuffering_total_s: Math.round(peer.totalS * 1_000) / 1_000,
  });
  const ratio = ours.events / ours.seconds / peerRate;
  // PostgreSQL's query time is wall time of one backend; ours is compared by wall time too, for fairness.
  const oursWallRate = ours.events / ours.seconds;
  report('ratio', {
    ours_events_per_s_wall: Math.round(oursWallRate), postgres_events_per_s: Math.round(peerRate), ratio: Math.round(ratio * 100) / 100,
    target_ratio: TARGET_RATIO, meets_target: ratio >= TARGET_RATIO, same_answer: Math.abs(ours.totalS - peer.totalS) < 1e-6,
  });
}

main().then(runCleanup, async (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await runCleanup();
  process.exitCode = 1;
});
