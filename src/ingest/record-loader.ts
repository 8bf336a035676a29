/**
 * Loads a stream of records into a channel in batches through the
 * `Ingestor`, so files get exactly the validation HTTP producers get. A bad
 * record stops the load; batches before it stay committed, and ids make a
 * re-run after the fix idempotent.
 */
import { PlayheadError } from '../core/errors.js';
import type { Ingestor } from './ingestor.js';
import type { EventInput } from '../core/event.js';

export interface LoadSummary {
  readonly records: number;
  readonly accepted: number;
  readonly duplicates: number;
}

export interface LoadOptions {
  /** Turns a record into an event, e.g. `fieldMapping({ timeField: 'meta.dt' })`. */
  readonly toEvent: (record: unknown) => EventInput;
  /** Records per append. @default 1000 */
  readonly batchSize?: number;
  /** Called after each committed batch with the running totals. */
  readonly onBatch?: (summary: LoadSummary) => void;
}

const DEFAULT_BATCH_SIZE = 1_000;

export async function loadRecords(ingestor: Ingestor, channel: string, records: AsyncIterable<unknown> | Iterable<unknown>, options: LoadOptions): Promise<LoadSummary> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let totals: LoadSummary = { records: 0, accepted: 0, duplicates: 0 };
  let batch: unknown[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    try {
      const result = await ingestor.ingest(channel, batch);
      totals = { records: totals.records + batch.length, accepted: totals.accepted + result.accepted, duplicates: totals.duplicates + result.duplicates };
    } catch (error) {
      if (error instanceof PlayheadError && error.index !== undefined) {
        const record = totals.records + error.index;
        throw new PlayheadError(error.code, error.message.replace(/^event \d+/, `record ${record + 1}`), { index: record, cause: error });
      }
      throw error;
    }
    batch = [];
    options.onBatch?.(totals);
  };
  for await (const record of records) {
    batch.push(options.toEvent(record));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return totals;
}
