/**
 * Streams records out of NDJSON, JSON and CSV files, reporting bytes read
 * so a caller can show progress. JSON files hold an array, a single object,
 * or (with `recordsField`) an object whose field holds the array, such as a
 * GeoJSON FeatureCollection's `features`.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import { PlayheadError } from '../core/errors.js';
import { parseJsonText } from '../core/json-text.js';
import { readPath } from './record-mapping.js';

export const RECORD_FORMATS = ['ndjson', 'json', 'csv', 'tsv'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

export interface FileRecordsOptions {
  readonly format?: RecordFormat;
  /** For JSON: dot path of the array of records inside the document. */
  readonly recordsField?: string;
  /** For CSV/TSV without a header line: the column names. */
  readonly columns?: readonly string[];
  /** Called with the bytes read so far. */
  readonly onBytes?: (bytesRead: number) => void;
}

const FORMAT_BY_EXTENSION: Readonly<Record<string, RecordFormat>> = {
  '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.json': 'json', '.geojson': 'json', '.csv': 'csv', '.tsv': 'tsv', '.txt': 'tsv',
};

export function formatOf(path: string): RecordFormat {
  const format = FORMAT_BY_EXTENSION[extname(path).toLowerCase()];
  if (format === undefined) throw new Error(`cannot tell the format of ${path} from its extension: pass --format ${RECORD_FORMATS.join('|')}`);
  return format;
}

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

export async function* readFileRecords(path: string, options: FileRecordsOptions = {}): AsyncIterable<unknown> {
  const format = options.format ?? formatOf(path);
  if (format === 'json') {
    yield* await readJsonRecords(path, options);
    return;
  }
  const stream = createReadStream(path);
  let bytesRead = 0;
  stream.on('data', (chunk) => {
    bytesRead += chunk.length;
    options.onBytes?.(bytesRead);
  });
  if (format === 'ndjson') {
    let lineNumber = 0;
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      lineNumber += 1;
      if (line.trim() !== '') yield parseJsonText(line, `line ${lineNumber}`);
    }
    return;
  }
  const delimiter = format === 'tsv' ? '\t' : ',';
  const columns = options.columns === undefined ? true : [...options.columns];
  yield* stream.pipe(parseCsv({ columns, cast: true, delimiter, trim: true, skip_empty_lines: true }));
}

async function readJsonRecords(path: string, options: FileRecordsOptions): Promise<unknown[]> {
  const text = await readFile(path, 'utf8');
  options.onBytes?.(Buffer.byteLength(text));
  const document = parseJsonText(text, path);
  const records = options.recordsField === undefined ? document : readPath(document, options.recordsField);
  if (Array.isArray(records)) return records;
  if (options.recordsField !== undefined) {
    throw new PlayheadError('invalid_parameter', `${path}: field ${options.recordsField} is not an array of records`);
  }
  return [records];
}
