/**
 * The engine figure: one engine fed every batch at max speed, each batch
 * timed (apply = its delta computed), its rows checked against the
 * reference after every batch, outside the timing.
 */
import type { StoredEvent } from '../../src/core/event.js';
import { summarize, type LatencySummary } from '../support/stats.js';
import type { TopEditorsEngine } from './top-editors-engine.js';
import { rowsText } from './top-editors.js';

export interface EngineRunResult {
  readonly events: number;
  readonly batches: number;
  /** Seconds inside `apply`, summed. */
  readonly seconds: number;
  readonly batchMs: LatencySummary;
  readonly changes: number;
  /** Batches after which the rows differed from the reference. */
  readonly mismatches: number;
  readonly firstMismatch: { readonly batch: number; readonly got: string; readonly expected: string } | null;
  /** False when the budget ran out before the last batch. */
  readonly complete: boolean;
}

export function runEngine(engine: TopEditorsEngine, batches: readonly (readonly StoredEvent[])[], references: readonly string[], budgetMs: number): EngineRunResult {
  const samples: number[] = [];
  let events = 0;
  let changes = 0;
  let mismatches = 0;
  let firstMismatch: EngineRunResult['firstMismatch'] = null;
  let spentMs = 0;
  for (const [index, batch] of batches.entries()) {
    if (spentMs > budgetMs) break;
    const started = performance.now();
    changes += engine.apply(batch);
    const elapsed = performance.now() - started;
    spentMs += elapsed;
    samples.push(elapsed);
    events += batch.length;
    const got = rowsText(engine.rows());
    if (got !== references[index]) {
      mismatches += 1;
      firstMismatch ??= { batch: index, got, expected: references[index] as string };
    }
  }
  return { events, batches: samples.length, seconds: spentMs / 1_000, batchMs: summarize(samples), changes, mismatches, firstMismatch, complete: samples.length === batches.length };
}
