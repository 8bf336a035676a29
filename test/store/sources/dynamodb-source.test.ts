/**
 * A user's DynamoDB table as a source, against dynalite (started here, port
 * 0): Query by partition and sort key (epoch numbers and ISO strings), the
 * Scan fallback for a time attribute that is no sort key, live polling by
 * time (dynalite has no Streams), the mapping, and errors that name the fix.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, type AttributeDefinition, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import type { PlayheadError } from '../../../src/core/errors.js';
import type { StoredEvent } from '../../../src/core/event.js';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { parseAnySourceUrl } from '../../../src/store/sources/parse-dynamodb-source-url.js';
import { SourceRegistry } from '../../../src/store/sources/source-registry.js';
import { storeSelected } from '../../support/services.js';
import { startSourceServer } from '../../support/source-server.js';

const T0 = Date.UTC(2018, 2, 7);
const skip = storeSelected('dynamodb') ? false : 'PLAYHEAD_TEST_STORES does not include dynamodb';

/** dynalite makes a table ACTIVE a moment after answering CreateTable (later still on disk): a write before that finds no table. */
async function untilActive(client: DynamoDBClient, table: string): Promise<void> {
  while ((await client.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus !== 'ACTIVE') await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('a DynamoDB table as a source (dynalite)', { skip }, () => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  let endpoint = '';
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    documents = DynamoDBDocumentClient.from(client);
  });
  after(async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A fresh table with the given keys; `put` writes items 25 at a time. */
  async function table(keys: readonly [string, 'S' | 'N', 'HASH' | 'RANGE'][]) {
    const name = `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await client.send(new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keys.map(([AttributeName, , KeyType]): KeySchemaElement => ({ AttributeName, KeyType })),
      AttributeDefinitions: keys.map(([AttributeName, AttributeType]): AttributeDefinition => ({ AttributeName, AttributeType })),
    }));
    await untilActive(client, name);
    const put = async (items: readonly Record<string, unknown>[]) => {
      for (let at = 0; at < items.length; at += 25) {
        await documents.send(new BatchWriteCommand({ RequestItems: { [name]: items.slice(at, at + 25).map((Item) => ({ PutRequest: { Item } })) } }));
      }
    };
    return { name, put };
  }

  function registry(t: TestContext) {
    const published: StoredEvent[][] = [];
    const sources = new SourceRegistry({ clock: new VirtualClock(0), publish: (_channel, events) => void published.push([...events]) });
    t.after(() => sources.close());
    return { sources, published };
  }

  const collect = async (source: { scan: (r: never) => AsyncIterable<readonly StoredEvent[]> }, request: object) => {
    const events: StoredEvent[] = [];
    const pages: number[] = [];
    for await (const page of source.scan(request as never)) {
      pages.push(page.length);
      events.push(...page);
    }
    return { events, pages };
  };

  /** Devices a and b, one reading per second each (a on even seconds, b on odd), epoch ms sort key. */
  async function readings() {
    const readingsTable = await table([['device_id', 'S', 'HASH'], ['ts', 'N', 'RANGE']]);
    await readingsTable.put(Array.from({ length: 60 }, (_, i) => ({
      device_id: i % 2 === 0 ? 'a' : 'b', ts: T0 + i * 1_000, celsius: i / 2, tags: new Set(['x']), ...(i === 0 ? { big: 2n ** 60n } : {}),
    })));
    return readingsTable;
  }

  it('reads each partition as a channel by Query on the sort key: windows both ways, resumed after a position, bounded by maxSeq', async (t) => {
    const { name } = await readings();
    const { sources } = registry(t);
    const mapping = await sources.mount('readings', `dynamodb://local/${name}?endpoint=${endpoint}&partition=device_id&sort=ts&poll=0`);
    assert.deepEqual([mapping.kind, mapping.key, mapping.time, mapping.index], [
      'dynamodb',
      { column: 'device_id', type: 'S', channels: 'readings/device_id={value}' },
      { column: 'ts', type: 'N', reads: 'epoch milliseconds, the sort key: read by Query' },
      { usable: true, name: 'primary key', advice: null },
    ]);
    const source = sources.route('readings/device_id=a');
    assert.ok(source !== undefined);
    assert.equal(sources.route('readings'), undefined, 'a partitioned source owns only NAME/partition=value');
    const window = await collect(source, { channel: 'readings/device_id=a', order: 'asc', start: T0 + 10_000, end: T0 + 20_000, pageSize: 2 });
    assert.deepEqual(window.events.map((e) => e.ts - T0), [10_000, 12_000, 14_000, 16_000, 18_000]);
    assert.deepEqual(window.pages, [2, 2, 1]);
    const first = window.events[0] as StoredEvent;
    assert.deepEqual(first, { channel: 'readings/device_id=a', seq: (T0 + 10_000) * 1_000, ts: T0 + 10_000, id: String((T0 + 10_000) * 1_000), data: { celsius: 5, tags: ['x'] } });
    const desc = await collect(source, { channel: 'readings/device_id=a', order: 'desc', after: window.events[2], pageSize: 10 });
    assert.deepEqual(desc.events.map((e) => (e.ts - T0) / 1_000), [12, 10, 8, 6, 4, 2, 0]);
    assert.equal((desc.events.at(-1)?.data as { big: unknown }).big, '1152921504606846976', 'a number past 2^53 is kept as text');
    const resumed = await collect(source, { channel: 'readings/device_id=b', order: 'asc', after: { ts: T0 + 51_000, seq: (T0 + 51_000) * 1_000 }, maxSeq: (T0 + 57_000) * 1_000 });
    assert.deepEqual(resumed.events.map((e) => (e.ts - T0) / 1_000), [53, 55, 57]);
    assert.deepEqual((await collect(source, { channel: 'readings/device_id=c', order: 'asc' })).events, []);

    assert.deepEqual(await source.listChannels(), [
      { name: 'readings/device_id=a', count: 30, firstTs: T0, lastTs: T0 + 58_000, lastSeq: (T0 + 58_000) * 1_000 },
      { name: 'readings/device_id=b', count: 30, firstTs: T0 + 1_000, lastTs: T0 + 59_000, lastSeq: (T0 + 59_000) * 1_000 },
    ]);
    const histogram = await source.histogram('readings/device_id=b', { start: T0, end: T0 + 20_000, buckets: 2 });
    assert.deepEqual(histogram.counts, [5, 5]);
  });

  it('reads ISO-8601 string sort keys under a numeric partition key, to the microsecond', async (t) => {
    const { name, put } = await table([['device', 'N', 'HASH'], ['at', 'S', 'RANGE']]);
    const iso = (ms: number, micros: string) => `${new Date(ms).toISOString().slice(0, -1)}${micros}Z`;
    await put([0, 1, 2, 3].map((i) => ({ device: 7, at: iso(T0 + i * 250, `${i}00`), v: i })));
    const { sources } = registry(t);
    const mapping = await sources.mount('d', `dynamodb://local/${name}?endpoint=${endpoint}&poll=0`);
    assert.equal(mapping.time.reads, 'ISO-8601 text like "2018-03-07T16:16:17.111111Z" (UTC, one format for every row), the sort key: read by Query');
    const source = sources.route('d/device=7');
    assert.ok(source !== undefined);
    const { events } = await collect(source, { channel: 'd/device=7', order: 'asc', start: T0 + 250 });
    assert.deepEqual(events.map((e) => [e.ts - T0, e.seq - T0 * 1_000, e.data]), [[250, 250_100, { v: 1 }], [500, 500_200, { v: 2 }], [750, 750_300, { v: 3 }]]);
    assert.deepEqual(await collect(source, { channel: 'd/device=x', order: 'asc' }), { events: [], pages: [] }, 'a channel whose key is not a number has no items');
  });

  it('reads fractional epoch seconds exactly, bounds included', async (t) => {
    const { name, put } = await table([['k', 'S', 'HASH'], ['t', 'N', 'RANGE']]);
    const seconds = T0 / 1_000;
    await put([0.123, 0.1235, 0.5, 1.25].map((offset, i) => ({ k: 'x', t: seconds + offset, i })));
    const { sources } = registry(t);
    const mapping = await sources.mount('f', `dynamodb://local/${name}?endpoint=${endpoint}&poll=0`);
    assert.equal(mapping.time.reads, 'epoch seconds, the sort key: read by Query');
    const source = sources.route('f/k=x');
    assert.ok(source !== undefined);
    const { events } = await collect(source, { channel: 'f/k=x', order: 'asc', start: T0 + 123, end: T0 + 1_250 });
    assert.deepEqual(events.map((e) => [e.ts - T0, e.seq - T0 * 1_000, e.data]), [[123, 123_000, { i: 0 }], [123, 123_500, { i: 1 }], [500, 500_000, { i: 2 }]]);
  });

  it('publishes items put after mount once each, from every partition, in time order (polled: dynalite has no Streams)', async (t) => {
    const { name, put } = await readings();
    const { sources, published } = registry(t);
    await sources.mount('readings', `dynamodb://local/${name}?endpoint=${endpoint}&poll=1s&late=5s`);
    assert.equal(published.length, 0, 'what the table held at mount is history');
    await put([{ device_id: 'a', ts: T0 + 62_000, celsius: 31 }, { device_id: 'b', ts: T0 + 61_000, celsius: 30.5 }]);
    await sources.pollNow();
    await documents.send(new PutCommand({ TableName: name, Item: { device_id: 'c', ts: T0 + 58_500, celsius: 1 } }));
    await sources.pollNow();
    await sources.pollNow();
    assert.deepEqual(published.map((batch) => batch.map((e) => [e.channel, e.ts - T0])), [
      [['readings/device_id=b', 61_000]],
      [['readings/device_id=a', 62_000]],
      [['readings/device_id=c', 58_500]],
    ]);
  });

  it('falls back to Scan for a time attribute that is no sort key, ordered by time and id=, and says what index to add', async (t) => {
    const { name, put } = await table([['event_id', 'N', 'HASH']]);
    await put([5, 3, 9, 1, 7].map((id) => ({ event_id: id, at: T0 + (id % 3) * 1_000, kind: `k${id}` })));
    const { sources } = registry(t);
    const mapping = await sources.mount('events', `dynamodb://local/${name}?endpoint=${endpoint}&time=at&id=event_id&unit=ms&poll=0`);
    assert.equal(mapping.key, null);
    assert.deepEqual(mapping.index, {
      usable: false, name: null,
      advice: `every read scans ${name} (at most 200000 items per read): add a global secondary index whose sort key is at and whose partition key names the channels, then mount it with &index=INDEX`,
    });
    const source = sources.route('events');
    assert.ok(source !== undefined);
    const all = await collect(source, { channel: 'events', order: 'asc', pageSize: 2 });
    assert.deepEqual(all.events.map((e) => [e.seq, e.ts - T0]), [[3, 0], [9, 0], [1, 1_000], [7, 1_000], [5, 2_000]]);
    assert.deepEqual(all.pages, [2, 2, 1]);
    assert.deepEqual(all.events[0]?.data, { kind: 'k3' });
    const desc = await collect(source, { channel: 'events', order: 'desc', after: { ts: T0 + 1_000, seq: 7 } });
    assert.deepEqual(desc.events.map((e) => e.seq), [1, 9, 3]);
    assert.deepEqual(await source.getChannel('events'), { name: 'events', count: 5, firstTs: T0, lastTs: T0 + 2_000, lastSeq: 9 });
  });

  it('plays a partition over HTTP through the server, and refuses writes to it', async (t) => {
    const { name } = await readings();
    const server = await startSourceServer(t);
    const mounted = await server.request('POST', '/v1/sources', { name: 'readings', url: `dynamodb://local/${name}?endpoint=${endpoint}` });
    assert.equal(mounted.status, 201);
    const page = await server.request('GET', `/v1/channels/${encodeURIComponent('readings/device_id=b')}/events?start=${T0 + 50_000}&limit=3`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.deepEqual((page.body.events as { ts: number; data: unknown }[]).map((e) => [e.ts - T0, e.data]), [[51_000, { celsius: 25.5, tags: ['x'] }], [53_000, { celsius: 26.5, tags: ['x'] }], [55_000, { celsius: 27.5, tags: ['x'] }]]);
    const write = await server.request('POST', `/v1/channels/${encodeURIComponent('readings/device_id=b')}/events`, [{ data: 1 }]);
    assert.equal(write.status, 405);
  });

  it('names the source and the fix for a wrong URL, a missing table, a wrong key and a table without a sort key', async (t) => {
    const keyed = await readings();
    const hashOnly = await table([['event_id', 'N', 'HASH']]);
    const { sources } = registry(t);
    const local = `dynamodb://local`;
    const cases: [string, string][] = [
      [`${local}/${keyed.name}`, 'source s: region local needs &endpoint=http://HOST:PORT (DynamoDB Local or dynalite)'],
      [`${local}/${keyed.name}?endpoint=${endpoint}&parition=x`, 'source s: unknown parameter "parition": a DynamoDB source takes partition, sort, time, id, unit, index, endpoint, poll, late'],
      [`${local}/?endpoint=${endpoint}`, 'source s: the URL needs the table after the region, 3-255 characters of A-Z a-z 0-9 _ . -, like dynamodb://local/readings; got ""'],
      [`${local}/no_such_table?endpoint=${endpoint}`, `source s: DynamoDB has no table no_such_table at ${endpoint}: fix the table after the region in the URL`],
      [`${local}/${keyed.name}?endpoint=${endpoint}&partition=device`, `source s: the partition key of table ${keyed.name} is device_id, not device: fix partition=`],
      [`${local}/${keyed.name}?endpoint=${endpoint}&sort=time`, `source s: the sort key of table ${keyed.name} is ts, not time: fix sort= (or name a GSI with index=)`],
      [`${local}/${keyed.name}?endpoint=${endpoint}&index=by_time`, `source s: table ${keyed.name} has no global secondary index "by_time" (it has none): fix index=`],
      [`${local}/${hashOnly.name}?endpoint=${endpoint}`, `source s: table ${hashOnly.name} has no sort key to read time from: name the time attribute with time= (it is then read by Scan), or mount a GSI whose sort key is the time with index=`],
      ['dynamodb://user:pw@us-east-1/t_x', 'source s: a dynamodb:// URL takes no credentials: the AWS SDK finds them (environment, ~/.aws, role)'],
    ];
    for (const [url, message] of cases) await assert.rejects(sources.mount('s', url), { code: 'invalid_source', message }, url);
    assert.deepEqual(sources.list(), []);
    assert.equal(parseAnySourceUrl('s', `dynamodb://eu-west-1/trips?poll=250ms`).pollIntervalMs, 250);
  });

  it('fails reads with store_unavailable naming the source while DynamoDB is gone, and reads again when it is back', async (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'playhead-dynalite-'));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    let own = dynalite({ createTableMs: 0, path: folder });
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', () => resolve()));
    // Closed here too if the test fails before the restart: an open server would hold the file's run until its timeout.
    const first = own;
    t.after(() => new Promise<void>((resolve) => first.close(() => resolve())));
    const port = (own.address() as AddressInfo).port;
    const ownEndpoint = `http://127.0.0.1:${port}`;
    const ownClient = new DynamoDBClient({ region: 'us-east-1', endpoint: ownEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    t.after(() => ownClient.destroy());
    await ownClient.send(new CreateTableCommand({
      TableName: 'readings', BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'device_id', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'device_id', AttributeType: 'S' }, { AttributeName: 'ts', AttributeType: 'N' }],
    }));
    await untilActive(ownClient, 'readings');
    await DynamoDBDocumentClient.from(ownClient).send(new PutCommand({ TableName: 'readings', Item: { device_id: 'a', ts: T0, v: 1 } }));
    const { sources } = registry(t);
    await sources.mount('readings', `dynamodb://local/readings?endpoint=${ownEndpoint}&poll=0`);
    const source = sources.route('readings/device_id=a');
    assert.ok(source !== undefined);
    await new Promise<void>((resolve) => own.close(() => resolve()));
    await assert.rejects(collect(source, { channel: 'readings/device_id=a', order: 'asc' }), (error: PlayheadError) => {
      assert.equal(error.code, 'store_unavailable');
      assert.match(error.message, new RegExp(`^source readings: DynamoDB could not scan channel readings/device_id=a at ${ownEndpoint}: `));
      return true;
    });
    own = dynalite({ createTableMs: 0, path: folder });
    await new Promise<void>((resolve) => own.listen(port, '127.0.0.1', () => resolve()));
    t.after(() => new Promise<void>((resolve) => own.close(() => resolve())));
    assert.deepEqual((await collect(source, { channel: 'readings/device_id=a', order: 'asc' })).events.map((e) => e.data), [{ v: 1 }]);
  });
});
