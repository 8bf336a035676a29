import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTime, parseTime } from '../../src/core/time.js';

const now = Date.UTC(2026, 10, 23, 12, 0, 0);
const parse = (input: unknown) => parseTime(input, { now });

describe('parseTime', () => {
  it('reads ISO-8601 with Z, offsets, fractions, no offset (UTC) and date-only', () => {
    assert.equal(parse('2016-01-15T14:32:24Z'), Date.UTC(2016, 0, 15, 14, 32, 24));
    assert.equal(parse('2016-01-15T14:32:24.5+01:00'), Date.UTC(2016, 0, 15, 13, 32, 24, 500));
    assert.equal(parse('2018-03-07T16:16:17+00:00'), Date.UTC(2018, 2, 7, 16, 16, 17));
    assert.equal(parse('2016-01-15T14:32:24-0530'), Date.UTC(2016, 0, 15, 20, 2, 24));
    assert.equal(parse('2016-01-15 14:32'), Date.UTC(2016, 0, 15, 14, 32));
    assert.equal(parse('2016-01-15'), Date.UTC(2016, 0, 15));
    assert.equal(parse('2016-01-15T14:32:24.123456789Z'), Date.UTC(2016, 0, 15, 14, 32, 24, 123));
  });

  it('reads epoch milliseconds as numbers or digit strings', () => {
    assert.equal(parse(1452868344000), 1452868344000);
    assert.equal(parse('1452868344000'), 1452868344000);
    assert.equal(parse(-1000), -1000);
  });

  it('reads now and now±duration against the reader clock', () => {
    assert.equal(parse('now'), now);
    assert.equal(parse('now-15m'), now - 900_000);
    assert.equal(parse('now+1h30m'), now + 5_400_000);
    assert.equal(parse('now-PT1M'), now - 60_000);
  });

  it('rejects bad values with code, rule, position and the value received', () => {
    const cases: [unknown, string][] = [
      ['2016-01-15X14:32', 'time is not ISO-8601 (like 2016-01-15T14:32:24Z), epoch ms, "now" or "now-15m" (at index 10), got "2016-01-15X14:32"'],
      ['2016-02-30', 'time names a date or time that does not exist, got "2016-02-30"'],
      ['2016-01-15T25:00Z', 'time names a date or time that does not exist, got "2016-01-15T25:00Z"'],
      ['yesterday', 'time is not ISO-8601 (like 2016-01-15T14:32:24Z), epoch ms, "now" or "now-15m" (at index 0), got "yesterday"'],
      [Number.NaN, 'time must be epoch milliseconds within ±8.64e15, got null'],
      [true, 'time must be an ISO-8601 string, epoch milliseconds, "now" or "now-15m", got true'],
      ['now+999999999999d', 'time must be within ±8.64e15 epoch milliseconds, got "now+999999999999d"'],
      ['now-', 'time is not ISO-8601 (like 2016-01-15T14:32:24Z), epoch ms, "now" or "now-15m" (at index 0), got "now-"'],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => parse(input), { name: 'PlayheadError', code: 'invalid_time', message }, String(input));
    }
  });
});

describe('formatTime', () => {
  it('writes ISO-8601 UTC with milliseconds', () => {
    assert.equal(formatTime(Date.UTC(2016, 0, 15, 14, 32, 24, 5)), '2016-01-15T14:32:24.005Z');
  });
});
