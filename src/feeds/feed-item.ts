/**
 * Validates feed items as producers send them: `{"id", "time"?, "data"?}`.
 * `time` is ISO-8601, epoch ms, `now`/`now-15m`, or any finite number (a
 * score); omitted means the clock's now. A whole batch is checked before
 * anything is written.
 */
import { describeValue } from '../core/describe-value.js';
import { PlayheadError } from '../core/errors.js';
import { parseTime } from '../core/time.js';
import type { FeedItemInput } from '../store/feed-store.js';

export const FEED_ITEM_ID_MAX_CHARS = 256;
const ITEM_FIELDS = new Set(['id', 'time', 'data']);

export interface FeedItemContext {
  /** What `now` means, and the time of items that omit it (epoch ms). */
  readonly now: number;
  /** Largest `data`, in bytes of its JSON. */
  readonly maxItemDataBytes: number;
}

export function normalizeFeedItem(input: unknown, context: FeedItemContext): FeedItemInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PlayheadError('invalid_item', `an item must be an object like {"id": "1", "time": …, "data": …}, got ${describeValue(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (!ITEM_FIELDS.has(key)) throw new PlayheadError('invalid_item', `unknown field ${JSON.stringify(key)}: an item has only "id", "time" and "data"`);
  }
  const { id, time, data } = input as Record<string, unknown>;
  const dataJson = data === undefined || data === null ? null : JSON.stringify(data);
  const bytes = dataJson === null ? 0 : Buffer.byteLength(dataJson);
  if (bytes > context.maxItemDataBytes) {
    throw new PlayheadError('invalid_item', `item data is ${bytes} bytes of JSON, over the limit of ${context.maxItemDataBytes}`);
  }
  return { id: normalizeItemId(id), time: normalizeItemTime(time, context.now), dataJson };
}

export function normalizeFeedItems(inputs: readonly unknown[], context: FeedItemContext): FeedItemInput[] {
  return inputs.map((input, index) => {
    try {
      return normalizeFeedItem(input, context);
    } catch (error) {
      if (!(error instanceof PlayheadError)) throw error;
      throw new PlayheadError(error.code, `item ${index}: ${error.message}`, { index, position: error.position, cause: error });
    }
  });
}

/** A string of 1-256 characters without NUL, or a safe integer taken as its decimal text. */
export function normalizeItemId(id: unknown): string {
  if (Number.isSafeInteger(id)) return String(id);
  if (id === undefined || id === null) throw new PlayheadError('invalid_item', `field "id" is required: a string of 1-${FEED_ITEM_ID_MAX_CHARS} characters or an integer`);
  if (typeof id !== 'string' || id.length === 0 || id.length > FEED_ITEM_ID_MAX_CHARS) {
    throw new PlayheadError('invalid_item', `field "id" must be a string of 1-${FEED_ITEM_ID_MAX_CHARS} characters or an integer, got ${describeValue(id)}`);
  }
  // PostgreSQL text cannot hold NUL; refusing it here keeps both stores alike.
  if (id.includes('\u0000')) throw new PlayheadError('invalid_item', 'field "id" must not contain the NUL character (\\u0000)');
  return id;
}

export function normalizeItemTime(time: unknown, now: number): number {
  if (time === undefined || time === null) return now;
  if (typeof time === 'number') {
    if (!Number.isFinite(time)) throw new PlayheadError('invalid_item', `field "time" must be a finite number, got ${describeValue(time)}`);
    return time;
  }
  return parseTime(time, { now, field: 'time' });
}
