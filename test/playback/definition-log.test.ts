/**
 * DefinitionLog: at open, the latest record of each name (or every record,
 * without names); after that, records made by any log on the same store and
 * bus, in order; and record() resolves once its own record is applied.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { DefinitionLog } from '../../src/playback/definition-log.js';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';

type Record_ = { readonly name: string; readonly value: number };

async function shared(t: TestContext) {
  const store = await openStore('sqlite::memory:');
  t.after(() => store.close());
  return { store, bus: new InProcessBus(), clock: new VirtualClock(Date.UTC(2026, 0, 1)) };
}

function log(env: { store: EventStore; bus: InProcessBus; clock: VirtualClock }, byName: boolean) {
  const applied: Record_[] = [];
  const definitions = new DefinitionLog<Record_>({
    channel: 'playhead.test-definitions', reader: env.store, writer: env.store, bus: env.bus, clock: env.clock, maxRecordBytes: 1 << 10,
    ...(byName ? { nameOf: (record: Record_) => record.name } : {}),
    apply: async (record) => void applied.push(record),
    onError: (error) => assert.fail(String(error)),
  });
  return { definitions, applied };
}

describe('DefinitionLog', () => {
  it("applies each name's latest record at open, then every record another node makes, in order", async (t) => {
    const env = await shared(t);
    const writer = log(env, true);
    await writer.definitions.record({ name: 'a', value: 1 });
    await writer.definitions.record({ name: 'b', value: 1 });
    await writer.definitions.record({ name: 'a', value: 2 });
    assert.deepEqual(writer.applied.map((r) => `${r.name}${r.value}`), ['a1', 'b1', 'a2'], 'a log never opened applies its own records');

    const reader = log(env, true);
    await reader.definitions.open();
    t.after(() => reader.definitions.close());
    assert.deepEqual(reader.applied.map((r) => `${r.name}${r.value}`), ['b1', 'a2'], 'only the latest of each name, in log order');
    await writer.definitions.record({ name: 'b', value: 2 });
    await writer.definitions.record({ name: 'c', value: 1 });
    assert.deepEqual(reader.applied.map((r) => `${r.name}${r.value}`), ['b1', 'a2', 'b2', 'c1'], 'later records as they are made');
  });

  it('applies every record at open without names, and resolves record() once its own record is applied', async (t) => {
    const env = await shared(t);
    const first = log(env, false);
    await first.definitions.record({ name: 'x', value: 1 });
    await first.definitions.record({ name: 'x', value: 2 });
    const second = log(env, false);
    await second.definitions.open();
    t.after(() => second.definitions.close());
    assert.deepEqual(second.applied.map((r) => r.value), [1, 2]);
    const seq = await second.definitions.record({ name: 'x', value: 3 });
    assert.equal(seq, 3);
    assert.deepEqual(second.applied.map((r) => r.value), [1, 2, 3], 'applied before record() resolved, once');
  });

  it('reports a record that fails to apply: from open() with the others applied, and by rejecting record()', async (t) => {
    const env = await shared(t);
    const refusing = (bad: number) => new DefinitionLog<Record_>({
      channel: 'playhead.test-definitions', reader: env.store, writer: env.store, bus: env.bus, clock: env.clock, maxRecordBytes: 1 << 10,
      apply: async (record) => {
        if (record.value === bad) throw new Error(`refused ${record.name}`);
      },
      onError: (error) => assert.fail(String(error)),
    });
    const writer = refusing(2);
    await writer.record({ name: 'a', value: 1 });
    await assert.rejects(writer.record({ name: 'b', value: 2 }), /refused b/);
    const reader = refusing(1);
    t.after(() => reader.close());
    assert.deepEqual((await reader.open()).map(({ record, error }) => [record.name, (error as Error).message]), [['a', 'refused a']]);
  });
});
