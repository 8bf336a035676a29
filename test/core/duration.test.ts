import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../src/core/duration.js';

describe('parseDuration', () => {
  it('reads units, combinations, ISO-8601 and plain milliseconds', () => {
    const cases: [unknown, number][] = [
      ['250ms', 250], ['90s', 90_000], ['5m', 300_000], ['1h', 3_600_000], ['2d', 172_800_000],
      ['1h30m', 5_400_000], ['1.5s', 1_500], ['PT1M', 60_000], ['P1DT2H', 93_600_000], ['PT0.25S', 250],
      ['P1W', 604_800_000], [1500, 1500], ['1500', 1500], ['0', 0],
    ];
    for (const [input, ms] of cases) assert.equal(parseDuration(input), ms, String(input));
  });

  it('accepts a sign only when asked', () => {
    assert.equal(parseDuration('-30s', { signed: true }), -30_000);
    assert.equal(parseDuration('+30s', { signed: true }), 30_000);
    assert.equal(parseDuration(-5, { signed: true }), -5);
    assert.throws(() => parseDuration('-30s'), { code: 'invalid_duration', message: 'duration must not be negative (at index 0), got "-30s"' });
  });

  it('rejects bad values with the position and what was expected', () => {
    const cases: [unknown, string][] = [
      ['5x', 'duration expected a unit (ms, s, m, h, d) (at index 1), got "5x"'],
      ['fast', 'duration expected a number followed by ms, s, m, h or d (at index 0), got "fast"'],
      ['1h 30m', 'duration expected a number followed by ms, s, m, h or d (at index 2), got "1h 30m"'],
      ['P1Y', 'duration is not an ISO-8601 duration: expected nD, nW or T (years and months have no fixed length) (at index 1), got "P1Y"'],
      ['PT', 'duration is an ISO-8601 duration with no parts (at index 2), got "PT"'],
      ['', 'duration must not be empty (at index 0), got ""'],
      [Number.POSITIVE_INFINITY, 'duration must be a finite number of milliseconds, got null'],
      [null, 'duration must be a string like "90s" or a number of milliseconds, got null'],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => parseDuration(input), { name: 'PlayheadError', code: 'invalid_duration', message }, String(input));
    }
  });

  it('names the field in the message', () => {
    assert.throws(() => parseDuration('soon', { field: 'fit' }), { message: /^fit expected/ });
  });
});
