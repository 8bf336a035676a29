/**
 * Maps a record read from a file (NDJSON line, JSON element, CSV row) to an
 * event: the time and id come from named fields (dot paths such as
 * `meta.dt`), and the whole record becomes `data`.
 */
import type { EventInput } from '../core/event.js';

export type TimeUnit = 'ms' | 's';

export interface RecordMapping {
  /** Dot path of the event time; absent means "receive time". */
  readonly timeField?: string;
  /** Dot path of the producer id that makes re-ingest idempotent. */
  readonly idField?: string;
  /** Unit of numeric times. @default "ms" */
  readonly timeUnit?: TimeUnit;
}

export function readPath(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A record-to-event function that reads the time and id from fields and keeps the record as data. */
export function fieldMapping(mapping: RecordMapping): (record: unknown) => EventInput {
  return (record) => recordToEvent(record, mapping);
}

function recordToEvent(record: unknown, mapping: RecordMapping): EventInput {
  const event: { time?: string | number; id?: string; data: unknown } = { data: record };
  if (mapping.timeField !== undefined) {
    const time = readPath(record, mapping.timeField);
    event.time = typeof time === 'number' && mapping.timeUnit === 's' ? time * 1000 : (time as string | number);
  }
  if (mapping.idField !== undefined) {
    const id = readPath(record, mapping.idField);
    if (id !== undefined && id !== null) event.id = String(id);
  }
  return event;
}
