/**
 * The naive peer (issue: "re-run the same GROUP BY query after each
 * batch"): a database table of the same events, each batch inserted, then
 * the whole top_editors query run again over all of them. Timed per batch
 * (insert + query), checked against the reference, stopped when its budget
 * runs out: it only slows down as history grows, so a stopped peer's events/s
 * is higher than it would have been over the whole replay.
 */
import { summarize, type LatencySummary } from '../support/stats.js';
import { rowsText, type TopEditorRow } from './top-editors.js';

export interface PeerBatch {
  readonly ts: readonly number[];
  readonly ids: readonly (string | null)[];
  readonly dataJson: readonly string[];
}

export interface NaivePeer {
  readonly name: string;
  insert(batch: PeerBatch): Promise<void>;
  /** The view's query over every event so far, rows in view order. */
  query(): Promise<TopEditorRow[]>;
  close(): Promise<void>;
}

export interface PeerRunResult {
  readonly events: number;
  readonly batches: number;
  readonly seconds: number;
  /** Insert + query of one batch. */
  readonly batchMs: LatencySummary;
  readonly queryMs: LatencySummary;
  /** The last query's time: what one more batch costs at the history reached. */
  readonly lastQueryMs: number;
  readonly mismatches: number;
  readonly firstMismatch: { readonly batch: number; readonly got: string; readonly expected: string } | null;
  readonly complete: boolean;
  /** Events in the table when the query was timed at the end (the whole replay unless the fill ran out of budget too). */
  readonly finalHistory: number;
  /** Median of 3 runs of the query over `finalHistory` events. */
  readonly finalQueryMs: number;
  /** Mean insert time of the timed batches. */
  readonly meanInsertMs: number;
}

/** Query runs at the final history; the median is kept. */
const FINAL_QUERY_RUNS = 3;

export async function runPeer(peer: NaivePeer, batches: readonly PeerBatch[], references: readonly string[], budgetMs: number): Promise<PeerRunResult> {
  const batchSamples: number[] = [];
  const querySamples: number[] = [];
  const insertSamples: number[] = [];
  let events = 0;
  let spentMs = 0;
  let mismatches = 0;
  let firstMismatch: PeerRunResult['firstMismatch'] = null;
  for (const [index, batch] of batches.entries()) {
    if (spentMs > budgetMs) break;
    const started = performance.now();
    await peer.insert(batch);
    const inserted = performance.now();
    const rows = await peer.query();
    const done = performance.now();
    spentMs += done - started;
    insertSamples.push(inserted - started);
    batchSamples.push(done - started);
    querySamples.push(done - inserted);
    events += batch.ts.length;
    const got = rowsText(rows);
    if (got !== references[index]) {
      mismatches += 1;
      firstMismatch ??= { batch: index, got, expected: references[index] as string };
    }
  }
  // Untimed: the rest of the replay goes in (within a second budget), so the query can be timed at the history ours ended with.
  let finalHistory = events;
  const fillStarted = performance.now();
  for (const batch of batches.slice(batchSamples.length)) {
    if (performance.now() - fillStarted > budgetMs) break;
    await peer.insert(batch);
    finalHistory += batch.ts.length;
  }
  const finalQuerySamples: number[] = [];
  for (let run = 0; run < FINAL_QUERY_RUNS; run += 1) {
    const started = performance.now();
    await peer.query();
    finalQuerySamples.push(performance.now() - started);
  }
  return {
    events, batches: batchSamples.length, seconds: spentMs / 1_000, batchMs: summarize(batchSamples), queryMs: summarize(querySamples),
    lastQueryMs: querySamples[querySamples.length - 1] as number, mismatches, firstMismatch, complete: batchSamples.length === batches.length,
    finalHistory, finalQueryMs: summarize(finalQuerySamples).p50, meanInsertMs: insertSamples.reduce((sum, ms) => sum + ms, 0) / insertSamples.length,
  };
}
