/**
 * The live-views benchmark (issue 5): top_editors over the real wikipedia
 * demo data, replayed at max speed, (a) through the engines alone
 * (Playhead's ViewEngine, @electric-sql/d2ts, @tanstack/db-ivm), (b) through
 * the real server (HTTP ingest, SQLite store, a WebSocket subscriber), and
 * (c) beside the naive peer: the same GROUP BY re-run in SQLite and
 * PostgreSQL after each batch. See bench/README.md ("Views").
 * Usage: node --expose-gc --import tsx bench/views.ts [--copies 54] [--batch-size 1000] [--concurrency 4]
 *   [--budget-seconds 10] [--server-seconds 20] [--latency-seconds 10] [--rounds 2] [--skip-server] [--skip-postgres] [--postgres-url URL]
 */
import { cpus, loadavg } from 'node:os';
import { round } from './support/stats.js';
import { cleanupOnSignals, runCleanup } from './support/cleanup.js';
import { runEngine, type EngineRunResult } from './views-support/engine-run.js';
import { probeLibraries } from './views-support/library-semantics.js';
import { runPeer, type NaivePeer, type PeerBatch, type PeerRunResult } from './views-support/naive-peer.js';
import { openPostgresPeer } from './views-support/postgres-peer.js';
import { runServer, type ServerRunResult } from './views-support/server-run.js';
import { openSqlitePeer } from './views-support/sqlite-peer.js';
import type { TopEditorsEngine } from './views-support/top-editors-engine.js';
import { editorOf, referenceSnapshots } from './views-support/top-editors.js';
import { viewEngineTopEditors } from './views-support/view-engine-top-editors.js';
import { parseViewsOptions } from './views-support/views-options.js';
import { progress, reportFigure } from './views-support/views-report.js';
import { batchesOf, loadWikipediaReplay } from './views-support/wikipedia-replay.js';

const ENGINES: readonly { readonly name: string; readonly load: () => Promise<TopEditorsEngine> }[] = [
  { name: 'playhead_view_engine', load: viewEngineTopEditors },
  // Loaded on demand, so a library that does not install is reported, not fatal.
  { name: 'electric_sql_d2ts', load: async () => (await import('./views-support/d2ts-top-editors.js')).d2tsTopEditors() },
  { name: 'tanstack_db_ivm', load: async () => (await import('./views-support/db-ivm-top-editors.js')).dbIvmTopEditors() },
];

/** The small-batch engine figure: batches of this many events, over the first SMALL_BATCH_EVENTS of the replay. */
const SMALL_BATCH = 10;
const SMALL_BATCH_EVENTS = 60_000;

function collectGarbage(): void {
  // Each figure starts without the previous one's garbage (needs --expose-gc; without it, skipped).
  (globalThis as { gc?: () => void }).gc?.();
}

function engineFields(result: EngineRunResult) {
  return {
    events: result.events, batches: result.batches, complete: result.complete, seconds: round(result.seconds),
    events_per_s: Math.round(result.events / result.seconds),
    batch_p50_ms: result.batchMs.p50, batch_p99_ms: result.batchMs.p99, batch_max_ms: result.batchMs.max,
    changes: result.changes, equal_every_batch: result.mismatches === 0, mismatched_batches: result.mismatches,
    first_mismatch: result.firstMismatch === null ? null : JSON.stringify(result.firstMismatch),
  };
}

function peerFields(result: PeerRunResult) {
  return {
    events: result.events, batches: result.batches, complete: result.complete, seconds: round(result.seconds),
    events_per_s: Math.round(result.events / result.seconds),
    batch_p50_ms: result.batchMs.p50, batch_p99_ms: result.batchMs.p99,
    query_p50_ms: result.queryMs.p50, query_p99_ms: result.queryMs.p99, last_query_ms: round(result.lastQueryMs),
    equal_every_batch: result.mismatches === 0, mismatched_batches: result.mismatches,
    first_mismatch: result.firstMismatch === null ? null : JSON.stringify(result.firstMismatch),
    final_history: result.finalHistory, final_query_ms: round(result.finalQueryMs), mean_insert_ms: round(result.meanInsertMs),
  };
}

/** What one more batch costs the peer once the table holds the whole replay: insert + query, as events/s. */
function eventsPerSecondAtHistory(result: PeerRunResult, batchSize: number): number {
  return Math.round((batchSize * 1_000) / (result.meanInsertMs + result.finalQueryMs));
}

async function main(): Promise<void> {
  const options = parseViewsOptions(process.argv.slice(2));
  cleanupOnSignals();
  reportMachine('start');
  const budgetMs = options.budgetSeconds * 1_000;
  const replay = loadWikipediaReplay(options.copies);
  const batches = batchesOf(replay.events, options.batchSize);
  const references = referenceSnapshots(batches);
  const passing = replay.events.filter((event) => editorOf(event.data) !== undefined);
  reportFigure('dataset', {
    source: 'data/demo/wikipedia-recentchange*.jsonl', source_events: replay.sourceEvents, copies: replay.copies, shift_ms: replay.shiftMs,
    events: replay.events.length, passing_where: passing.length, users: new Set(passing.map((event) => editorOf(event.data))).size,
    batch_size: options.batchSize, batches: batches.length, gc_between_figures: typeof (globalThis as { gc?: unknown }).gc === 'function',
  });

  // Best round per engine: the run least disturbed by the machine's other work.
  const best = new Map<string, ReturnType<typeof engineFields>>();
  for (let round_ = 1; round_ <= options.rounds; round_ += 1) {
    const order = round_ % 2 === 1 ? ENGINES : [...ENGINES].reverse();
    for (const { name, load } of order) {
      let engine: TopEditorsEngine;
      try {
        engine = await load();
      } catch (error) {
        if (round_ === 1) reportFigure('engine', { engine: name, skipped: true, reason: error instanceof Error ? error.message : String(error) });
        continue;
      }
      collectGarbage();
      progress(`engine ${name}, round ${round_}: ${replay.events.length} events in ${batches.length} batches`);
      const fields = engineFields(runEngine(engine, batches, references, budgetMs));
      reportFigure('engine', { engine: name, round: round_, ...fields });
      const previous = best.get(name);
      if (previous === undefined || fields.events_per_s > previous.events_per_s) best.set(name, fields);
    }
  }
  const oursEngine = best.get('playhead_view_engine')?.events_per_s;
  for (const [name, fields] of best) {
    reportFigure('engine_best', {
      engine: name, rounds: options.rounds, ...fields,
      ratio_ours_over_this: oursEngine === undefined || name === 'playhead_view_engine' ? null : round(oursEngine / fields.events_per_s),
    });
  }

  // Live producers often send a few events per request: the same engines fed batches of SMALL_BATCH, over the first events.
  const smallBatches = batchesOf(replay.events.slice(0, SMALL_BATCH_EVENTS), SMALL_BATCH);
  const smallReferences = referenceSnapshots(smallBatches);
  for (const { name, load } of ENGINES) {
    if (!best.has(name)) continue;
    collectGarbage();
    progress(`engine ${name}: ${smallBatches.length} batches of ${SMALL_BATCH}`);
    const fields = engineFields(runEngine(await load(), smallBatches, smallReferences, budgetMs));
    reportFigure('engine_small_batches', { engine: name, batch_size: SMALL_BATCH, ...fields });
  }

  for (const { library, probes, error } of await probeLibraries()) {
    if (probes === null) reportFigure('library_semantics', { library, skipped: true, reason: error });
    else for (const { probe, sql, got, ok } of probes) reportFigure('library_semantics', { library, probe, sql, got, ok });
  }

  let server: ServerRunResult | undefined;
  if (options.skipServer) {
    reportFigure('server', { skipped: true, reason: '--skip-server' });
  } else {
    // Sustained: requests in flight, as a busy producer sends. Latency: one at a time, so queueing behind other requests is not counted.
    for (const phase of [
      { metric: 'server', concurrency: options.concurrency, seconds: options.serverSeconds },
      { metric: 'server_latency', concurrency: 1, seconds: options.latencySeconds },
    ]) {
      collectGarbage();
      progress(`${phase.metric}: POST NDJSON batches of ${options.batchSize} for ${phase.seconds} s, ${phase.concurrency} in flight, one WebSocket subscriber of top_editors`);
      const result = await runServer({ copies: options.copies, batchSize: options.batchSize, concurrency: phase.concurrency, budgetSeconds: phase.seconds });
      server ??= result;
      reportFigure(phase.metric, {
        events: result.events, requests: result.requests, concurrency: phase.concurrency,
        events_per_s: Math.round(result.events / result.viewSeconds), ingest_events_per_s: Math.round(result.events / result.ingestSeconds),
        deltas: result.deltas, unmatched_deltas: result.unmatchedDeltas, samples: result.samples,
        post_to_delta_p50_ms: result.fromPostMs?.p50 ?? null, post_to_delta_p99_ms: result.fromPostMs?.p99 ?? null, post_to_delta_max_ms: result.fromPostMs?.max ?? null,
        ack_to_delta_p50_ms: result.fromAckMs?.p50 ?? null, ack_to_delta_p99_ms: result.fromAckMs?.p99 ?? null, delta_before_ack: result.beforeAck,
        complete: result.requests === batches.length,
        final_rows_match: result.finalRowsMatch && result.servedRows === references[result.requests - 1],
      });
    }
  }

  const peerBatches: PeerBatch[] = batchesOf(replay.events.map((event, index) => ({ event, dataJson: replay.dataJson[index] as string })), options.batchSize)
    .map((batch) => ({ ts: batch.map(({ event }) => event.ts), ids: batch.map(({ event }) => event.id), dataJson: batch.map(({ dataJson }) => dataJson) }));
  const peers: (() => Promise<NaivePeer | string>)[] = [
    async () => openSqlitePeer(),
    async () => {
      if (options.skipPostgres) return '--skip-postgres';
      const opened = await openPostgresPeer(options.postgresUrl);
      return 'peer' in opened ? opened.peer : opened.skipped;
    },
  ];
  for (const [index, open] of peers.entries()) {
    const peer = await open();
    if (typeof peer === 'string') {
      reportFigure('naive_peer', { peer: index === 0 ? 'sqlite_group_by' : 'postgres_group_by', skipped: true, reason: peer });
      progress(`peer skipped: ${peer}`);
      continue;
    }
    collectGarbage();
    progress(`peer ${peer.name}: insert each batch, re-run the GROUP BY, for at most ${options.budgetSeconds} s`);
    try {
      const result = await runPeer(peer, peerBatches, references, budgetMs);
      const fields = peerFields(result);
      const atHistory = eventsPerSecondAtHistory(result, options.batchSize);
      const oursServer = server === undefined ? undefined : server.events / server.viewSeconds;
      reportFigure('naive_peer', {
        peer: peer.name, ...fields, events_per_s_at_final_history: atHistory,
        ratio_server_over_peer_at_final_history: oursServer === undefined ? null : round(oursServer / atHistory),
        ours_server_events_per_s: server === undefined ? null : Math.round(server.events / server.viewSeconds),
        ratio_server_over_peer: server === undefined ? null : round(server.events / server.viewSeconds / fields.events_per_s),
        ratio_engine_over_peer: oursEngine === undefined ? null : round(oursEngine / fields.events_per_s),
      });
    } finally {
      await peer.close();
    }
  }
  reportMachine('end');
}

/** The machine is shared (2 cores, other sessions' builds and tests): the load beside the figures says how quiet it was. */
function reportMachine(at: 'start' | 'end'): void {
  const [one, five] = loadavg() as [number, number, number];
  reportFigure('machine', { at, cpus: cpus().length, load_1m: round(one, 2), load_5m: round(five, 2), node: process.version });
}

main().then(runCleanup, async (error: unknown) => {
  progress(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  await runCleanup();
  process.exitCode = 1;
});
