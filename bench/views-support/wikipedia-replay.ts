/**
 * The real wikipedia events of data/demo/ (read and mapped exactly as
 * `playhead demo` loads the `wikipedia` channel), repeated `copies` times,
 * each copy shifted later by the data's span (and its ids suffixed), so a
 * max-speed replay has a few hundred thousand events. Nothing is invented:
 * every copy carries the same users, bots and edits as the original 45 minutes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_DATASETS, DEMO_DIR } from '../../src/cli/demo-datasets.js';
import type { StoredEvent } from '../../src/core/event.js';

export const WIKIPEDIA_CHANNEL = 'wikipedia';
/** Gap between the last event of one copy and the first of the next, ms. */
const COPY_GAP_MS = 1_000;

export interface WikipediaReplay {
  /** Events in the demo files. */
  readonly sourceEvents: number;
  readonly copies: number;
  /** How much later each copy starts than the one before, ms. */
  readonly shiftMs: number;
  /** The events as the store holds them (seq 1..n in replay order), for the engines and the peers. */
  readonly events: readonly StoredEvent[];
  /** The events' data as JSON text, computed once (the same text for every copy of a record). */
  readonly dataJson: readonly string[];
}

interface SourceEvent {
  readonly ts: number;
  readonly id: string;
  readonly data: unknown;
  readonly dataJson: string;
}

export function loadWikipediaReplay(copies: number): WikipediaReplay {
  const dataset = DEMO_DATASETS.find((candidate) => candidate.channel === WIKIPEDIA_CHANNEL);
  if (dataset === undefined) throw new Error('the demo has no wikipedia dataset');
  const source: SourceEvent[] = [];
  for (const file of dataset.files) {
    for (const line of readFileSync(join(DEMO_DIR, file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const input = dataset.toEvent(JSON.parse(line));
      source.push({ ts: Date.parse(String(input.time)), id: String(input.id), data: input.data, dataJson: JSON.stringify(input.data) });
    }
  }
  // Replay order is (ts, seq): sort by time, ties keep file order (Array#sort is stable).
  source.sort((a, b) => a.ts - b.ts);
  const first = (source[0] as SourceEvent).ts;
  const shiftMs = (source[source.length - 1] as SourceEvent).ts - first + COPY_GAP_MS;
  const events: StoredEvent[] = [];
  const dataJson: string[] = [];
  for (let copy = 0; copy < copies; copy += 1) {
    for (const event of source) {
      events.push({ channel: WIKIPEDIA_CHANNEL, seq: events.length + 1, ts: event.ts + copy * shiftMs, id: copy === 0 ? event.id : `${event.id}~${copy}`, data: event.data });
      dataJson.push(event.dataJson);
    }
  }
  return { sourceEvents: source.length, copies, shiftMs, events, dataJson };
}

/** The events cut into consecutive batches of `size`. */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}
