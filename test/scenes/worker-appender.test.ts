import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { StoredEvent } from '../../src/core/event.js';
import { PlayheadError } from '../../src/core/errors.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { SceneRegistry } from '../../src/scenes/scene-registry.js';
import { SceneObject } from '../../src/scenes/scene-object.js';
import { SceneUpdate } from '../../src/scenes/scene-update.js';
import { BATCH_FIELDS, UpdateBatch } from '../../src/scenes/update-batch.js';
import { WorkerAppender } from '../../src/scenes/worker-appender.js';
import type { EventReader } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { binaryDatagram, jsonDatagram, RecordingTransport, T0 } from './scene-harness.js';

async function all(reader: EventReader, channel: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const page of reader.scan({ channel, order: 'asc' })) events.push(...page);
  return events;
}

function storeFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'playhead-appender-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return `sqlite:${join(dir, 'scenes.db')}`;
}

describe('WorkerAppender', () => {
  it('stores every delivered update in order from a worker thread, and publishes them once stored', async (t) => {
    const url = storeFile(t);
    const store = await openStore(url);
    t.after(() => store.close());
    const bus = new InProcessBus();
    const published: StoredEvent[] = [];
    bus.subscribe('scene.lab', (events) => published.push(...events));
    const clock = new VirtualClock(T0);
    const registry = new SceneRegistry({ reader: store, writer: store, bus, clock, appender: await WorkerAppender.start(url), config: { recorder: { maxBatchEvents: 7 } } });
    await registry.load();
    const scene = await registry.createScene('lab');
    await registry.createObject('lab', { name: 'a' });
    await registry.createObject('lab', { name: 'b' });
    const receiver = new RecordingTransport('127.0.0.1:9');
    registry.registerDevice('lab', receiver, { format: 'binary' });
    for (let i = 1; i <= 200; i += 1) {
      registry.receiveDatagram(binaryDatagram(scene.index, 0, [{ object: 1, seq: i, time: T0 + i, floats: [i, 0, 0, 0, 0, 0, 1, 1, 1, 1] }, { object: 2, seq: i, time: T0 + i }]), '10.0.0.1:1');
      clock.advance(1);
    }
    const during = registry.stats('lab');
    assert.equal((during.storing as number) + (during.stored as number), 400, 'every accepted update is stored or on its way');
    assert.ok((during.storing as number) > 0, 'the delivery thread did not wait for the store');
    await registry.flush();
    assert.deepEqual([registry.stats('lab').stored, registry.stats('lab').storing], [400, 0]);
    const events = await all(store, 'scene.lab');
    assert.equal(events.length, 400);
    assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 400 }, (_, i) => i + 1));
    assert.deepEqual(events[398]?.data, { object: 'a', index: 1, seq: 200, location: [200, 0, 0], rotation: [0, 0, 0, 1], scale: [1, 1, 1] });
    assert.deepEqual(published.map((e) => [e.seq, e.ts, e.data]), events.map((e) => [e.seq, e.ts, e.data]));
    await registry.close();
  });

  it('stores what was accepted before a clean shutdown, and a restarted registry reads it back', async (t) => {
    const url = storeFile(t);
    const store = await openStore(url);
    t.after(() => store.close());
    const clock = new VirtualClock(T0);
    const first = new SceneRegistry({ reader: store, writer: store, clock, appender: await WorkerAppender.start(url), config: { recorder: { flushIntervalMs: 60_000 } } });
    await first.load();
    await first.createScene('lab');
    await first.createObject('lab', { name: 'a' });
    for (let i = 1; i <= 50; i += 1) first.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'a', seq: i, location: [i, 0, 0] }), '10.0.0.1:1');
    clock.advance(0);
    await first.close();
    assert.equal((await all(store, 'scene.lab')).length, 50);
    assert.equal((await all(store, 'playhead.scene-snapshots.lab')).length, 1);
    const second = new SceneRegistry({ reader: store, writer: store, clock });
    t.after(() => second.close());
    await second.load();
    assert.deepEqual(second.scene('lab').object('a').state().location, [50, 0, 0]);
  });

  it('replaces a worker thread that crashed: its batches in flight fail, the next ones are stored', async (t) => {
    const url = storeFile(t);
    const store = await openStore(url);
    t.after(() => store.close());
    const appender = await WorkerAppender.start(url);
    t.after(() => appender.close());
    const batch = (seq: number) => {
      const updates = UpdateBatch.withCapacity(1);
      updates.add(new SceneUpdate(new SceneObject('a', 1, null, null), seq, T0 + seq, [seq, 0, 0, 0, 0, 0, 1, 1, 1, 1], 0));
      return updates;
    };
    assert.equal((await appender.appendUpdates('scene.lab', batch(1))).accepted, 1);
    // A batch without its names throws in the thread, outside any append: the thread dies as it would on any bug.
    const broken = { length: 1, values: new Float64Array(BATCH_FIELDS), names: null } as unknown as UpdateBatch;
    await assert.rejects(appender.appendUpdates('scene.lab', broken));
    assert.equal((await appender.appendUpdates('scene.lab', batch(2))).accepted, 1);
    assert.deepEqual((await all(store, 'scene.lab')).map((e) => (e.data as { seq: number }).seq), [1, 2]);
  });

  it('refuses a store it cannot open with store_unavailable', async () => {
    await assert.rejects(WorkerAppender.start('nosuch://x'), (error: unknown) => {
      assert.ok(error instanceof PlayheadError);
      assert.equal(error.code, 'store_unavailable');
      assert.match(error.message, /^the scene appender could not open nosuch:\/\/x: unsupported store URL/);
      return true;
    });
  });

  it('refuses an in-memory store, which a second connection cannot reach', async () => {
    await assert.rejects(WorkerAppender.start('sqlite::memory:'), { name: 'TypeError', message: 'a worker thread cannot reach an in-memory store: append in this thread (WriterAppender)' });
  });
});
