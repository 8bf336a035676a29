/**
 * parseSourcesConfig: the `sources` of a `--config` file as name and URL,
 * URL strings or objects of URL parameters, each mistake naming the field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSourcesConfig } from '../../../src/store/sources/source-config.js';

describe('parseSourcesConfig', () => {
  it('keeps URL strings as they are and builds URLs from objects, in file order', () => {
    assert.deepEqual(parseSourcesConfig({
      trips: 'postgres://db/taxi?table=public.trips&time=pickup_at',
      readings: { url: 'sqlite:./r.db?table=readings', time: 'at', poll: 250, late: '10s' },
      devices: { url: 'dynamodb://local/readings', endpoint: 'http://127.0.0.1:8000', partition: 'device_id', sort: 'ts' },
    }, 'p.json'), [
      { name: 'trips', url: 'postgres://db/taxi?table=public.trips&time=pickup_at' },
      { name: 'readings', url: 'sqlite:./r.db?table=readings&time=at&poll=250&late=10s' },
      { name: 'devices', url: 'dynamodb://local/readings?endpoint=http%3A%2F%2F127.0.0.1%3A8000&partition=device_id&sort=ts' },
    ]);
  });

  it('names the file and the field of each mistake', () => {
    const cases: [unknown, string][] = [
      [null, 'p.json: sources must be an object mapping each source name to its URL (or to {"url": ..., "table": ..., "time": ...}), got null'],
      [{ a: 5 }, 'p.json: sources.a must be a URL string or an object with "url", got 5'],
      [{ a: { url: '' } }, 'p.json: sources.a.url must be a source URL like postgres://host/db, sqlite:./file.db or dynamodb://region/table, got ""'],
      [{ a: { url: 'sqlite:x.db', poll: true } }, 'p.json: sources.a.poll must be a non-empty string or a number of ms, got true'],
      [{ a: { url: 'sqlite:x.db', table: 7 } }, 'p.json: sources.a.table must be a non-empty string, got 7'],
      [{ a: { url: 'dynamodb://local/t', table: 't' } }, 'p.json: sources.a.table is not a source field: the fields are url, partition, sort, time, id, unit, index, endpoint, poll, late'],
      [{ a: { url: 'sqlite:x.db?time=at', time: 'at' } }, 'p.json: sources.a.time is given in the url too: give it once'],
    ];
    for (const [value, message] of cases) assert.throws(() => parseSourcesConfig(value, 'p.json'), { code: 'invalid_source', message });
  });
});
