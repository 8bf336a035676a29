/** Loads every demo dataset through the Ingestor; idempotent, so it runs at every `npm start`. */
import { join } from 'node:path';
import { readFileRecords } from '../ingest/file-records.js';
import type { Ingestor } from '../ingest/ingestor.js';
import { loadRecords, type LoadSummary } from '../ingest/record-loader.js';
import { DEMO_DATASETS, DEMO_DIR } from './demo-datasets.js';

export interface DemoChannelSummary extends LoadSummary {
  readonly channel: string;
}

export async function loadDemo(ingestor: Ingestor): Promise<DemoChannelSummary[]> {
  const summaries: DemoChannelSummary[] = [];
  for (const dataset of DEMO_DATASETS) {
    let totals: LoadSummary = { records: 0, accepted: 0, duplicates: 0 };
    for (const file of dataset.files) {
      const records = readFileRecords(join(DEMO_DIR, file), dataset.read);
      const summary = await loadRecords(ingestor, dataset.channel, records, { toEvent: dataset.toEvent });
      totals = { records: totals.records + summary.records, accepted: totals.accepted + summary.accepted, duplicates: totals.duplicates + summary.duplicates };
    }
    summaries.push({ channel: dataset.channel, ...totals });
  }
  return summaries;
}
