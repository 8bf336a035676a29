/**
 * The demo channels `playhead demo` loads from data/demo/ (see its README
 * for sources and licences). Every event has an id, so loading is idempotent.
 */
import { join } from 'node:path';
import type { EventInput } from '../core/event.js';
import type { FileRecordsOptions } from '../ingest/file-records.js';
import { fieldMapping } from '../ingest/record-mapping.js';
import { packageRoot } from './package-root.js';

export interface DemoDataset {
  readonly channel: string;
  readonly files: readonly string[];
  readonly read?: FileRecordsOptions;
  readonly toEvent: (record: unknown) => EventInput;
}

export const DEMO_DIR = join(packageRoot(), 'data', 'demo');

/** Frame 0 of every trajectory file; the files carry frame numbers, not dates. */
const TRAJECTORY_EPOCH_MS = Date.UTC(2020, 0, 1);
/** 10 frame ids are 0.4 s (2.5 fps): data/demo/README.md. */
const MS_PER_FRAME_ID = 40;

interface TrajectoryRow {
  readonly frame: number;
  readonly object: number;
  readonly x: number;
  readonly y: number;
}

function trajectoryEvent(record: unknown): EventInput {
  const { frame, object, x, y } = record as TrajectoryRow;
  return { time: TRAJECTORY_EPOCH_MS + frame * MS_PER_FRAME_ID, id: `${frame}:${object}`, data: { object: `p${object}`, frame, x, y } };
}

const trajectory = (name: string): DemoDataset => ({
  channel: `trajectories.${name}`,
  files: [`trajectories/${name}.txt`],
  read: { format: 'tsv', columns: ['frame', 'object', 'x', 'y'] },
  toEvent: trajectoryEvent,
});

export const DEMO_DATASETS: readonly DemoDataset[] = [
  {
    channel: 'wikipedia',
    files: ['wikipedia-recentchange.jsonl', 'wikipedia-recentchange-segment2.jsonl'],
    toEvent: fieldMapping({ timeField: 'meta.dt', idField: 'meta.id' }),
  },
  trajectory('biwi_eth'),
  trajectory('crowds_zara01'),
  trajectory('students003'),
  {
    channel: 'earthquakes',
    files: ['usgs-earthquakes-all_week.geojson'],
    read: { format: 'json', recordsField: 'features' },
    toEvent: fieldMapping({ timeField: 'properties.time', idField: 'id' }),
  },
];
