/**
 * Parses and formats times as the wire accepts them (DESIGN "Wire
 * principles"): ISO-8601 with or without an offset (none means UTC), epoch
 * milliseconds, `now`, and `now-15m` / `now+1h`. A bare `ts` is epoch ms.
 */
import { describeValue } from './describe-value.js';
import { parseDuration } from './duration.js';
import { PlayheadError } from './errors.js';

export interface ParseTimeOptions {
  /** The reader's clock: what `now` means (epoch ms). */
  readonly now: number;
  /** Name of the field, for the error message. Default "time". */
  readonly field?: string;
}

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const EPOCH_MS_PATTERN = /^-?\d+$/;
const RELATIVE_PATTERN = /^now(?:([+-])(.+))?$/;
const MAX_EPOCH_MS = 8.64e15;

/** Returns epoch milliseconds; throws `invalid_time` naming the rule broken. */
export function parseTime(input: unknown, options: ParseTimeOptions): number {
  const field = options.field ?? 'time';
  const fail = (rule: string, position?: number): never => {
    const at = position === undefined ? '' : ` (at index ${position})`;
    throw new PlayheadError('invalid_time', `${field} ${rule}${at}, got ${describeValue(input)}`, { position });
  };
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || Math.abs(input) > MAX_EPOCH_MS) fail('must be epoch milliseconds within ±8.64e15');
    return Math.floor(input);
  }
  if (typeof input !== 'string') return fail('must be an ISO-8601 string, epoch milliseconds, "now" or "now-15m"');
  if (EPOCH_MS_PATTERN.test(input)) return parseTime(Number(input), options);

  const relative = RELATIVE_PATTERN.exec(input);
  if (relative !== null) {
    if (relative[1] === undefined) return options.now;
    const offsetMs = parseDuration(relative[2], { field });
    const ts = relative[1] === '-' ? options.now - offsetMs : options.now + offsetMs;
    return Math.abs(ts) > MAX_EPOCH_MS ? fail('must be within ±8.64e15 epoch milliseconds') : Math.floor(ts);
  }

  const iso = ISO_PATTERN.exec(input);
  if (iso === null) return fail('is not ISO-8601 (like 2016-01-15T14:32:24Z), epoch ms, "now" or "now-15m"', firstMismatch(input));
  const ts = isoToEpochMs(iso);
  if (ts === undefined) return fail('names a date or time that does not exist');
  return ts;
}

function isoToEpochMs(match: RegExpExecArray): number | undefined {
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', offset = 'Z'] = match;
  const fields = [year, month, day].map(Number) as [number, number, number];
  const [y, mo, d] = fields;
  const [h, mi, s] = [Number(hour), Number(minute), Number(second)];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (new Date(local).getUTCDate() !== d) return undefined;
  return local - offsetMinutes(offset) * 60_000;
}

function offsetMinutes(offset: string): number {
  if (offset === 'Z') return 0;
  const sign = offset[0] === '-' ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

/** The first index where `input` stops looking like `YYYY-MM-DDTHH:MM:SS`. */
function firstMismatch(input: string): number {
  const shape = '0000-00-00T00:00:00';
  for (let index = 0; index < Math.min(input.length, shape.length); index += 1) {
    const expected = shape[index];
    const actual = input[index] ?? '';
    const ok = expected === '0' ? /\d/.test(actual) : expected === 'T' ? actual === 'T' || actual === ' ' : actual === expected;
    if (!ok) return index;
  }
  return Math.min(input.length, shape.length);
}

/** The wire form of an epoch-ms time: ISO-8601 UTC with milliseconds. */
export function formatTime(ts: number): string {
  return new Date(ts).toISOString();
}
