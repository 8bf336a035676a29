/**
 * The messages between the worker appender and its worker thread. Updates
 * travel as their UpdateBatch (one Float64Array, transferred there and
 * back, and the names), ready
 * events (snapshots) as their times and their JSON joined by newlines (JSON
 * text never holds a raw newline): a batch posts as a few copies, not as
 * one object per event.
 */
import type { NewEvent } from '../core/event.js';
import { UpdateBatch } from './update-batch.js';

export interface AppendRequest {
  readonly op: 'append';
  readonly id: number;
  readonly channel: string;
  /** Rows in the batch. */
  readonly rows: number;
  readonly updates?: { readonly values: Float64Array<ArrayBuffer>; readonly names: string[] };
  readonly events?: { readonly ts: Float64Array<ArrayBuffer>; readonly json: string };
}

export interface CloseRequest {
  readonly op: 'close';
}

export type AppenderRequest = AppendRequest | CloseRequest;

export type AppenderReply =
  | { readonly op: 'ready' }
  | { readonly op: 'fatal'; readonly message: string }
  /** `values`: an update batch's numbers, transferred back (absent for ready events). */
  | { readonly op: 'appended'; readonly id: number; readonly accepted: number; readonly firstSeq: number | null; readonly values?: Float64Array<ArrayBuffer> }
  | { readonly op: 'failed'; readonly id: number; readonly code: string | null; readonly message: string }
  | { readonly op: 'closed' };

export function updatesRequest(id: number, channel: string, batch: UpdateBatch): AppendRequest {
  return { op: 'append', id, channel, rows: batch.length, updates: { values: batch.values, names: batch.names } };
}

export function eventsRequest(id: number, channel: string, events: readonly NewEvent[]): AppendRequest {
  return { op: 'append', id, channel, rows: events.length, events: { ts: Float64Array.from(events, (event) => event.ts), json: events.map((event) => event.dataJson).join('\n') } };
}

/**
 * Adds the request's events to `into`. `data` is left null: the worker only
 * appends, and the adapters write `dataJson` (`data` only fills the `stored`
 * list the worker does not use; the delivery thread publishes its own).
 */
export function decodeRequest(request: AppendRequest, into: NewEvent[], nameJson: (name: string) => string): void {
  if (request.updates !== undefined) {
    const batch = new UpdateBatch(request.updates.values, request.updates.names, request.rows);
    for (let i = 0; i < request.rows; i += 1) into.push({ ts: batch.ts(i), id: null, data: null, dataJson: batch.json(i, nameJson(request.updates.names[i] as string)) });
  } else if (request.events !== undefined && request.rows > 0) {
    const texts = request.events.json.split('\n');
    for (let i = 0; i < request.rows; i += 1) into.push({ ts: request.events.ts[i] as number, id: null, data: null, dataJson: texts[i] as string });
  }
}
