import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guessEpochUnit, isoTextFormat, timeCodec } from '../../../src/store/sources/time-codec.js';

const T = Date.UTC(2018, 2, 7, 16, 16, 17, 123);

describe('timeCodec #lowerBound', () => {
  it('gives the first column value at or after a millisecond, in the column\'s own type', () => {
    const seconds = timeCodec({ kind: 'epoch', unit: 's' });
    assert.equal(seconds.lowerBound(T), Math.ceil(T / 1000));
    assert.equal(seconds.lowerBound(T - 123), (T - 123) / 1000);
    assert.equal(timeCodec({ kind: 'epoch', unit: 'us' }).lowerBound(T), T * 1000);
    assert.equal(timeCodec({ kind: 'timestamptz' }).lowerBound(T), '2018-03-07T16:16:17.123Z');
    assert.equal(timeCodec({ kind: 'timestamp' }).lowerBound(T), '2018-03-07T16:16:17.123');
    assert.equal(timeCodec({ kind: 'iso-text', format: { separator: ' ', fractionDigits: 0, suffix: '' } }).lowerBound(T), '2018-03-07 16:16:18');
    assert.equal(timeCodec({ kind: 'iso-text', format: { separator: 'T', fractionDigits: 6, suffix: '+00:00' } }).lowerBound(T), '2018-03-07T16:16:17.123000+00:00');
    // "From the beginning" (keyset.ts MIN_TS) and "to the end": four-digit years, as SQL and ISO text take them.
    assert.equal(timeCodec({ kind: 'timestamptz' }).lowerBound(-Number.MAX_SAFE_INTEGER), '0001-01-01T00:00:00.000Z');
    assert.equal(timeCodec({ kind: 'iso-text', format: { separator: 'T', fractionDigits: 3, suffix: 'Z' } }).lowerBound(Number.MAX_SAFE_INTEGER), '9999-12-31T23:59:59.999Z');
  });
});

describe('timeCodec #decode', () => {
  it('reads timestamps with offsets and microseconds, epochs in each unit, and refuses what is not a time', () => {
    assert.equal(timeCodec({ kind: 'timestamptz' }).decode('2018-03-07 17:16:17.123456+01'), T);
    assert.equal(timeCodec({ kind: 'timestamp' }).decode('2018-03-07 16:16:17.123999'), T);
    assert.equal(timeCodec({ kind: 'epoch', unit: 'us' }).decode(T * 1000 + 999), T);
    assert.equal(timeCodec({ kind: 'epoch', unit: 's' }).decode('1520439377'), 1_520_439_377_000);
    for (const bad of ['infinity', 'yesterday', 'now', '1520439377', null, {}]) assert.equal(timeCodec({ kind: 'timestamptz' }).decode(bad), undefined, String(bad));
  });
});

describe('isoTextFormat and guessEpochUnit', () => {
  it('reads the format of UTC strings and refuses other offsets', () => {
    assert.deepEqual(isoTextFormat('2018-03-07T16:16:17.123Z'), { separator: 'T', fractionDigits: 3, suffix: 'Z' });
    assert.deepEqual(isoTextFormat('2018-03-07 16:16:17'), { separator: ' ', fractionDigits: 0, suffix: '' });
    assert.equal(isoTextFormat('2018-03-07T16:16:17+02:00'), 'not-utc');
    assert.equal(isoTextFormat('07/03/2018'), undefined);
  });

  it('guesses s, ms and us from magnitude', () => {
    assert.equal(guessEpochUnit(1_520_439_377), 's');
    assert.equal(guessEpochUnit(1_520_439_377_000), 'ms');
    assert.equal(guessEpochUnit(1_520_439_377_000_000), 'us');
  });
});
