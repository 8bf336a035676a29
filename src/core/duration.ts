/**
 * Parses durations as the wire accepts them (DESIGN "Wire principles"):
 * `250ms`, `90s`, `5m`, `1h`, `2d`, combinations such as `1h30m`, ISO-8601
 * `PT1M` / `P1DT2H`, and plain numbers of milliseconds. Errors give the
 * character position and what was expected there.
 */
import { describeValue } from './describe-value.js';
import { PlayheadError } from './errors.js';

export const DURATION_UNITS_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const;

export type DurationUnit = keyof typeof DURATION_UNITS_MS;

const ISO_DATE_UNITS_MS: Readonly<Record<string, number>> = { D: DURATION_UNITS_MS.d, W: 7 * DURATION_UNITS_MS.d };
const ISO_TIME_UNITS_MS: Readonly<Record<string, number>> = { H: DURATION_UNITS_MS.h, M: DURATION_UNITS_MS.m, S: DURATION_UNITS_MS.s };

export interface ParseDurationOptions {
  /** Accept a leading `-` (e.g. `seek by -30s`). Default false. */
  readonly signed?: boolean;
  /** Name of the field, for the error message. Default "duration". */
  readonly field?: string;
}

/** Returns the duration in milliseconds; throws `invalid_duration`. */
export function parseDuration(input: unknown, options: ParseDurationOptions = {}): number {
  const field = options.field ?? 'duration';
  const fail = (rule: string, position?: number): never => {
    const at = position === undefined ? '' : ` (at index ${position})`;
    throw new PlayheadError('invalid_duration', `${field} ${rule}${at}, got ${describeValue(input)}`, { position });
  };
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) fail('must be a finite number of milliseconds');
    if (input < 0 && !options.signed) fail('must not be negative');
    return input;
  }
  if (typeof input !== 'string') return fail('must be a string like "90s" or a number of milliseconds');

  let index = 0;
  let sign = 1;
  if (input[0] === '-' || input[0] === '+') {
    if (input[0] === '-' && !options.signed) fail('must not be negative', 0);
    sign = input[0] === '-' ? -1 : 1;
    index = 1;
  }
  const body = input.slice(index);
  if (body === '') return fail('must not be empty', index);
  if (/^\d+(\.\d+)?$/.test(body)) return sign * Number(body);
  const ms = body[0] === 'P' ? parseIso(body, index, fail) : parseUnits(body, index, fail);
  return sign * ms;
}

type Fail = (rule: string, position?: number) => never;

function parseUnits(text: string, offset: number, fail: Fail): number {
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (match === null) {
      const expected = /\d/.test(text[index] ?? '') ? 'a unit (ms, s, m, h, d)' : 'a number followed by ms, s, m, h or d';
      return fail(`expected ${expected}`, offset + index + leadingDigits(text, index));
    }
    total += Number(match[1]) * DURATION_UNITS_MS[match[2] as DurationUnit];
    index = pattern.lastIndex;
  }
  return total;
}

function leadingDigits(text: string, from: number): number {
  const match = /^\d+(?:\.\d+)?/.exec(text.slice(from));
  return match === null ? 0 : match[0].length;
}

function parseIso(text: string, offset: number, fail: Fail): number {
  const pattern = /(\d+(?:\.\d+)?)([A-Z])/y;
  let units = ISO_DATE_UNITS_MS;
  let total = 0;
  let index = 1;
  let sawPart = false;
  while (index < text.length) {
    if (text[index] === 'T' && units === ISO_DATE_UNITS_MS) {
      units = ISO_TIME_UNITS_MS;
      index += 1;
      continue;
    }
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    const perUnit = match === null ? undefined : units[match[2] as string];
    if (match === null || perUnit === undefined) {
      const allowed = units === ISO_DATE_UNITS_MS ? 'nD, nW or T' : 'nH, nM or nS';
      return fail(`is not an ISO-8601 duration: expected ${allowed} (years and months have no fixed length)`, offset + index);
    }
    total += Number(match[1]) * perUnit;
    index = pattern.lastIndex;
    sawPart = true;
  }
  if (!sawPart) fail('is an ISO-8601 duration with no parts', offset + index);
  return total;
}
