/**
 * The DynamoDB store: the conformance suite against dynalite (DynamoDB's API
 * on LevelDB, started here on port 0), a table per store; and what only
 * DynamoDB has: byte-sortable keys, time-bucketed partitions, the store URL.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { DynamoDbClaims } from '../../src/store/dynamodb/dynamodb-claims.js';
import { decodeNumber, encodeNumber, positionKey } from '../../src/store/dynamodb/dynamodb-keys.js';
import { DynamoDbStore } from '../../src/store/dynamodb/dynamodb-store.js';
import { openStore } from '../../src/store/open-store.js';
import { ManagedStore } from '../../src/store/managed-store.js';
import { storeSelected } from '../support/services.js';
import { collect, event, runEventStoreConformance } from './conformance.js';

const T0 = Date.UTC(2018, 2, 7, 16, 16, 17);
const skip = storeSelected('dynamodb') ? false : 'PLAYHEAD_TEST_STORES does not include dynamodb';

describe('DynamoDbStore against dynalite', { skip }, () => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  let endpoint = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const table = () => `playhead_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  // Short buckets, so the conformance cases cross partitions.
  runEventStoreConformance({ name: 'dynamodb', skip: { 'reads the log in append order after a seq, late events in their seq place, in bounded pages': 'DynamoDB seqs may have holes and have no key in seq order (capabilities.readsSince is false): live gaps are not filled from it' }, open: async () => new ManagedStore(await DynamoDbStore.open({ endpoint, table: table(), bucketMs: 2_000 }), 'dynamodb') });

  it('opens from the store URL and plays a channel spread over time buckets, both ways', async () => {
    const store = await openStore(`dynamodb://local?endpoint=${endpoint}&table=${table()}&bucket=1s`);
    after(() => store.close());
    await store.append('a', Array.from({ length: 50 }, (_, i) => event(T0 + i * 333, i)));
    const asc = await collect(store, { channel: 'a', order: 'asc', start: T0 + 1_000, end: T0 + 9_000, pageSize: 4 });
    assert.deepEqual(asc.map((e) => e.data), Array.from({ length: 24 }, (_, i) => i + 4));
    const desc = await collect(store, { channel: 'a', order: 'desc', after: asc[5], pageSize: 7 });
    assert.deepEqual(desc.map((e) => e.data), [8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('undoes a batch whose writes fail midway, so resending it stores every event once', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    after(() => client.destroy());
    // Fails the second BatchWriteItem of the next append: the failure the API cannot provoke on demand.
    let batchWrites = 0;
    let armed = false;
    client.middlewareStack.add((next, context) => async (args) => {
      if (armed && context.commandName === 'BatchWriteItemCommand' && ++batchWrites === 2) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      return next(args);
    }, { step: 'initialize' });
    const store = await DynamoDbStore.open({ client, table: table(), maxWriteAttempts: 1 });
    const batch = Array.from({ length: 60 }, (_, i) => event(T0 + i, i, `id-${i}`));
    armed = true;
    await assert.rejects(store.append('a', batch), { name: 'PlayheadError', code: 'store_unavailable', message: 'dynamodb store could not append to channel a: socket hang up' });
    armed = false;
    assert.deepEqual(await collect(store, { channel: 'a', order: 'asc' }), [], 'the written part was deleted');
    const again = await store.append('a', batch);
    assert.deepEqual([again.accepted, again.duplicates], [60, 0]);
    assert.deepEqual((await collect(store, { channel: 'a', order: 'asc' })).map((e) => e.data), batch.map((e) => e.data));
  });

  it('lets an id claimed by an append that died be claimed again once its lease ends', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    after(() => client.destroy());
    const name = table();
    await (await DynamoDbStore.open({ client, table: name })).close(); // creates the table
    const clock = new VirtualClock(T0);
    const claims = new DynamoDbClaims(DynamoDBDocumentClient.from(client), name, clock, 60_000);
    assert.equal(await claims.claim('a', 'x'), true);
    assert.equal(await claims.claim('a', 'x'), false, 'held by an append still in flight');
    clock.advance(60_001);
    assert.equal(await claims.claim('a', 'x'), true, 'the first append died: its lease ended');
    assert.equal(await claims.claim('a', 'x'), false);
  });

  it('reports a store that cannot be reached as store_unavailable', async () => {
    await assert.rejects(DynamoDbStore.open({ endpoint: 'http://127.0.0.1:1', table: table(), maxWriteAttempts: 1 }), (error: Error) => {
      assert.equal((error as { code?: string }).code, 'store_unavailable');
      assert.match(error.message, /^dynamodb store could not open table playhead_\w+ at http:\/\/127\.0\.0\.1:1: /);
      return true;
    });
  });
});

describe('DynamoDB keys', () => {
  it('sort as bytes in (ts, seq) order, negative times included', () => {
    const positions = [[-5_000, 1], [-1, 9], [0, 1], [0, 2], [T0, 1], [T0, 256], [T0 + 1, 1], [8.64e15, 1]] as const;
    const encoded = positions.map(([ts, seq]) => Buffer.from(positionKey(ts, seq)));
    assert.deepEqual([...encoded].sort(Buffer.compare), encoded);
    assert.equal(decodeNumber(encodeNumber(-8.64e15)), -8.64e15);
  });
});
