/**
 * How a source's time column maps to epoch ms and back (sources issue
 * "Types"): timestamps with and without time zone, epoch s/ms/us integers
 * and UTC ISO-8601 strings. Bounds are encoded in the column's own type, so
 * the database compares the column itself and can use its index.
 */
import { formatTime, parseTime } from '../../core/time.js';

export type EpochUnit = 's' | 'ms' | 'us';
export const EPOCH_UNITS: readonly EpochUnit[] = ['s', 'ms', 'us'];
const UNITS_PER_SECOND: Readonly<Record<EpochUnit, number>> = { s: 1, ms: 1_000, us: 1_000_000 };
const MS_PER_SECOND = 1_000;
/** 0001-01-01 and 9999-12-31T23:59:59.999Z: bounds outside (a reader's "from the beginning") are clamped, since ISO text and SQL take four-digit years. */
const FIRST_ISO_MS = -62_135_596_800_000;
const LAST_ISO_MS = 253_402_300_799_999;
const clampIso = (ts: number) => Math.min(LAST_ISO_MS, Math.max(FIRST_ISO_MS, ts));

/** The shape of ISO strings in a text column, read from a sample value. */
export interface IsoTextFormat {
  /** Between date and time: "T" or " ". */
  readonly separator: 'T' | ' ';
  /** Digits after the seconds' point: 0 (no point) to 9. */
  readonly fractionDigits: number;
  /** "Z", "+00:00", "+00" or "" (none: UTC). */
  readonly suffix: string;
}

export type TimeEncoding =
  | { readonly kind: 'timestamptz' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'epoch'; readonly unit: EpochUnit }
  | { readonly kind: 'iso-text'; readonly format: IsoTextFormat };

export interface TimeCodec {
  readonly encoding: TimeEncoding;
  /** Epoch ms of a column value as the driver returns it; undefined when it is not a time. */
  decode(value: unknown): number | undefined;
  /** The smallest column value whose epoch ms is >= `ts`: every bound is `column >= lowerBound(ts)` or `column < lowerBound(ts)`. */
  lowerBound(ts: number): string | number;
  /** Says what the column holds, for `GET /v1/sources/{name}`. */
  describe(): string;
}

export function timeCodec(encoding: TimeEncoding): TimeCodec {
  switch (encoding.kind) {
    case 'timestamptz':
    case 'timestamp': {
      const withZone = encoding.kind === 'timestamptz';
      return {
        encoding,
        decode: (value) => decodeText(value instanceof Date ? value.toISOString() : value),
        // ISO with "Z" for timestamptz; without a zone for timestamp, which the column reads as UTC wall time.
        lowerBound: (ts) => (withZone ? formatTime(clampIso(ts)) : formatTime(clampIso(ts)).slice(0, -1)),
        describe: () => (withZone ? 'timestamp with time zone' : 'timestamp without time zone (read as UTC)'),
      };
    }
    case 'epoch': {
      const perSecond = UNITS_PER_SECOND[encoding.unit];
      return {
        encoding,
        decode: (value) => {
          const number = typeof value === 'bigint' ? Number(value) : typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
          if (typeof number !== 'number' || !Number.isFinite(number)) return undefined;
          return Math.floor((number * MS_PER_SECOND) / perSecond);
        },
        // ceil(ts * perSecond / 1000) in integers: exact for every unit, no float rounding at the edges.
        lowerBound: (ts) => (perSecond >= MS_PER_SECOND ? ts * (perSecond / MS_PER_SECOND) : Math.ceil(ts / (MS_PER_SECOND / perSecond))),
        describe: () => `epoch ${encoding.unit === 's' ? 'seconds' : encoding.unit === 'ms' ? 'milliseconds' : 'microseconds'} (integer)`,
      };
    }
    case 'iso-text': {
      const { separator, fractionDigits, suffix } = encoding.format;
      return {
        encoding,
        decode: decodeText,
        lowerBound: (ts) => {
          // With fewer than 3 fraction digits, the first string at or after ts is the next whole unit.
          const step = 10 ** Math.max(0, 3 - fractionDigits);
          const rounded = Math.ceil(ts / step) * step;
          const iso = formatTime(clampIso(rounded)); // 2018-03-07T16:16:17.123Z
          const fraction = iso.slice(20, 23).padEnd(fractionDigits, '0').slice(0, fractionDigits);
          return `${iso.slice(0, 10)}${separator}${iso.slice(11, 19)}${fractionDigits > 0 ? `.${fraction}` : ''}${suffix}`;
        },
        describe: () => `ISO-8601 text like ${JSON.stringify(`2018-03-07${separator}16:16:17${fractionDigits > 0 ? `.${'1'.repeat(fractionDigits)}` : ''}${suffix}`)} (UTC, one format for every row)`,
      };
    }
    default:
      return assertNever(encoding);
  }
}

/** Below 1e11 an epoch is seconds (up to year 5138), below 1e14 milliseconds, else microseconds. */
const SECONDS_BELOW = 1e11;
const MILLISECONDS_BELOW = 1e14;

/** The unit of integer epoch times, from the largest magnitude of a sample (`unit=` in the URL overrides it). */
export function guessEpochUnit(...samples: readonly unknown[]): EpochUnit {
  const magnitude = Math.max(0, ...samples.map((value) => Math.abs(Number(value ?? 0))).filter(Number.isFinite));
  return magnitude < SECONDS_BELOW ? 's' : magnitude < MILLISECONDS_BELOW ? 'ms' : 'us';
}

/** What an empty text column is assumed to hold until it has rows: the format JavaScript's toISOString writes. */
export const DEFAULT_ISO_TEXT_FORMAT: IsoTextFormat = Object.freeze({ separator: 'T', fractionDigits: 3, suffix: 'Z' });

const UTC_SUFFIXES = new Set(['Z', '+00:00', '+00', '+0000', '']);
const ISO_SHAPE = /^\d{4}-\d{2}-\d{2}([T ])\d{2}:\d{2}:\d{2}(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Reads the format of one ISO string; undefined when it is not one, or not in UTC (text in several offsets does not sort by time). */
export function isoTextFormat(sample: string): IsoTextFormat | 'not-utc' | undefined {
  const match = ISO_SHAPE.exec(sample);
  if (match === null || decodeText(sample) === undefined) return undefined;
  const suffix = match[3] ?? '';
  if (!UTC_SUFFIXES.has(suffix)) return 'not-utc';
  return { separator: match[1] as 'T' | ' ', fractionDigits: match[2]?.length ?? 0, suffix };
}

function decodeText(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const fast = fastIsoToMs(value);
  if (fast !== undefined) return fast;
  // parseTime also reads "now" and epoch digits, which a time column must not hold.
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  try {
    return parseTime(value, { now: 0 });
  } catch {
    return undefined; // the caller names the source, row and column in its error
  }
}

const ZERO = 48;

/**
 * The shapes databases print (`2018-03-07 16:16:17.123456+00`, `...T...Z`), read by position: a window read
 * decodes one time per row, and parseTime's regex cost a third of the read (bench:sources). Anything else: undefined.
 */
function fastIsoToMs(text: string): number | undefined {
  const length = text.length;
  if (length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const separator = text.charCodeAt(10);
  if (separator !== 32 && separator !== 84) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    let scale = 100;
    for (at += 1; at < length; at += 1) {
      const digit = text.charCodeAt(at) - ZERO;
      if (digit < 0 || digit > 9) break;
      ms += digit * scale;
      scale /= 10;
    }
    ms = Math.floor(ms + 1e-9);
  }
  let offsetMinutes = 0;
  if (at < length) {
    const sign = text.charCodeAt(at);
    if (sign === 90 && at === length - 1) offsetMinutes = 0;
    else if ((sign === 43 || sign === 45) && (length - at === 3 || length - at === 6)) {
      const minutes = length - at === 6 ? digits(text, at + 4, 2) : 0;
      if (length - at === 6 && text.charCodeAt(at + 3) !== 58) return undefined;
      offsetMinutes = (sign === 45 ? -1 : 1) * (digits(text, at + 1, 2) * 60 + minutes);
    } else return undefined;
  }
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59) || Number.isNaN(offsetMinutes)) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (new Date(local).getUTCDate() !== day) return undefined;
  return local - offsetMinutes * 60_000;
}

/** The number written by `count` digits of `text` from `from`; NaN when one is not a digit. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let at = from; at < from + count; at += 1) {
    const digit = text.charCodeAt(at) - ZERO;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

function assertNever(value: never): never {
  throw new TypeError(`unknown time encoding ${JSON.stringify(value)}`);
}
