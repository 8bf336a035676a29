/** `playhead ingest FILE`: loads NDJSON/JSON/CSV through the same validation as HTTP, with a progress bar on a TTY. */
import { SingleBar, Presets } from 'cli-progress';
import { systemClock } from '../core/clock.js';
import { fileSize, readFileRecords, type RecordFormat } from '../ingest/file-records.js';
import { Ingestor } from '../ingest/ingestor.js';
import { loadRecords } from '../ingest/record-loader.js';
import { fieldMapping, type TimeUnit } from '../ingest/record-mapping.js';
import { InProcessBus } from '../live/in-process/in-process-bus.js';
import { openStore } from '../store/open-store.js';

export interface IngestOptions {
  readonly channel: string;
  readonly store: string;
  readonly timeField?: string;
  readonly timeUnit: TimeUnit;
  readonly idField?: string;
  readonly format?: RecordFormat;
  readonly recordsField?: string;
  readonly batchSize: number;
}

export async function ingestFile(path: string, options: IngestOptions): Promise<void> {
  const store = await openStore(options.store);
  try {
    // No subscribers in this process: a running server's live readers do not see these events until they read history.
    const ingestor = new Ingestor({ writer: store, bus: new InProcessBus(), clock: systemClock });
    const progress = process.stderr.isTTY ? new SingleBar({ format: '{bar} {percentage}% | {value}/{total} bytes | {events} events', stream: process.stderr }, Presets.shades_classic) : undefined;
    progress?.start(await fileSize(path), 0, { events: 0 });
    const startedMs = performance.now();
    const records = readFileRecords(path, { format: options.format, recordsField: options.recordsField, onBytes: (bytes) => progress?.update(bytes) });
    const summary = await loadRecords(ingestor, options.channel, records, {
      toEvent: fieldMapping(options),
      batchSize: options.batchSize,
      onBatch: (totals) => progress?.update({ events: totals.records }),
    }).finally(() => progress?.stop());
    const seconds = (performance.now() - startedMs) / 1000;
    const rate = Math.round(summary.records / Math.max(seconds, 1e-3));
    console.log(`ingested ${summary.records} records into ${options.channel}: ${summary.accepted} new, ${summary.duplicates} duplicates, in ${seconds.toFixed(2)} s (${rate} records/s)`);
  } finally {
    await store.close();
  }
}
