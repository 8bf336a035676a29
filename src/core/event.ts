/**
 * The event at each stage of its life (STYLE: one shape per stage):
 * `EventInput` as a producer sends it, `NewEvent` validated and ready to
 * append, `StoredEvent` with the `seq` the store assigned. Replay order is
 * (ts, seq); a bare `ts` is epoch milliseconds.
 */
import { describeValue } from './describe-value.js';
import { PlayheadError } from './errors.js';
import { parseTime } from './time.js';

/** What a producer sends: `time` omitted means "when it was received". */
export interface EventInput {
  readonly time?: string | number;
  readonly id?: string;
  readonly data: unknown;
}

/** A validated event, with its data already serialised for the store. */
export interface NewEvent {
  readonly ts: number;
  readonly id: string | null;
  readonly data: unknown;
  /** `JSON.stringify(data)`, computed once at validation. */
  readonly dataJson: string;
}

/** An event as the store holds it. `seq` strictly increases within a channel. */
export interface StoredEvent {
  readonly channel: string;
  readonly seq: number;
  readonly ts: number;
  readonly id: string | null;
  readonly data: unknown;
}

/** A point in replay order; keyset pagination and seeks start after one. */
export interface Position {
  readonly ts: number;
  readonly seq: number;
}

export const EVENT_ID_MAX_CHARS = 256;
const EVENT_FIELDS = new Set(['time', 'id', 'data']);

export interface EventLimits {
  /** Largest `data` accepted, in bytes of its JSON. */
  readonly maxEventBytes: number;
}

export interface NormalizeContext extends EventLimits {
  /** Receive time (epoch ms): the `time` of events that omit it, and what `now` means. */
  readonly now: number;
}

/** Validates one producer event; throws `invalid_event`/`invalid_time`/`payload_too_large`. */
export function normalizeEvent(input: unknown, context: NormalizeContext): NewEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PlayheadError('invalid_event', `an event must be an object like {"time": …, "data": …}, got ${describeValue(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (!EVENT_FIELDS.has(key)) {
      throw new PlayheadError('invalid_event', `unknown field ${JSON.stringify(key)}: an event has only "time", "id" and "data"`);
    }
  }
  const { time, id, data } = input as Record<string, unknown>;
  if (!Object.hasOwn(input, 'data')) throw new PlayheadError('invalid_event', 'field "data" is required (any JSON value, null included)');
  const ts = time === undefined || time === null ? context.now : parseTime(time, { now: context.now, field: 'time' });
  const dataJson = JSON.stringify(data);
  const bytes = Buffer.byteLength(dataJson);
  if (bytes > context.maxEventBytes) {
    throw new PlayheadError('payload_too_large', `event data is ${bytes} bytes of JSON, over the limit of ${context.maxEventBytes}`);
  }
  return { ts, id: normalizeId(id), data, dataJson };
}

function normalizeId(id: unknown): string | null {
  if (id === undefined || id === null) return null;
  if (typeof id !== 'string' || id.length === 0 || id.length > EVENT_ID_MAX_CHARS) {
    throw new PlayheadError('invalid_event', `field "id" must be a string of 1-${EVENT_ID_MAX_CHARS} characters, got ${describeValue(id)}`);
  }
  // PostgreSQL text cannot hold NUL; refusing it here keeps every store alike.
  if (id.includes('\u0000')) throw new PlayheadError('invalid_event', 'field "id" must not contain the NUL character (\\u0000)');
  return id;
}

/** Validates a whole batch; the first bad event rejects it, carrying its index. */
export function normalizeBatch(inputs: readonly unknown[], context: NormalizeContext): NewEvent[] {
  return inputs.map((input, index) => {
    try {
      return normalizeEvent(input, context);
    } catch (error) {
      throw error instanceof PlayheadError ? error.atIndex(index) : error;
    }
  });
}

/** Orders events by replay order (ts, seq). */
export function compareReplayOrder(a: Position, b: Position): number {
  return a.ts - b.ts || a.seq - b.seq;
}
