import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewEvent } from '../../src/core/event.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { AppendedBatch, SceneAppender } from '../../src/scenes/scene-appender.js';
import { SceneRegistry } from '../../src/scenes/scene-registry.js';
import type { UpdateBatch } from '../../src/scenes/update-batch.js';
import { openStore } from '../../src/store/open-store.js';
import { binaryDatagram, RecordingTransport, T0 } from './scene-harness.js';

/** Keeps what it is given, and what had been delivered by then. */
class WatchingAppender implements SceneAppender {
  readonly batches: { readonly seqs: number[]; readonly deliveredBefore: number }[] = [];
  readonly #receiver: RecordingTransport;

  constructor(receiver: RecordingTransport) {
    this.#receiver = receiver;
  }

  async appendUpdates(_channel: string, batch: UpdateBatch): Promise<AppendedBatch> {
    const seqs = Array.from({ length: batch.length }, (_, i) => batch.data(i).seq);
    this.batches.push({ seqs, deliveredBefore: this.#receiver.payloads.length });
    return { accepted: batch.length, stored: [] };
  }

  async appendEvents(_channel: string, events: readonly NewEvent[]): Promise<AppendedBatch> {
    return { accepted: events.length, stored: [] };
  }

  async close(): Promise<void> {
    // Nothing is held.
  }
}

/** Answers no batch of updates until `release`, like a store that fell behind, then every one at once; snapshots are kept. */
class StalledAppender implements SceneAppender {
  readonly snapshots: NewEvent[] = [];
  readonly #waiting: (() => void)[] = [];
  #stalled = true;

  async appendUpdates(_channel: string, batch: UpdateBatch): Promise<AppendedBatch> {
    const answer = { accepted: batch.length, stored: [] };
    if (this.#stalled) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    return answer;
  }

  async appendEvents(_channel: string, events: readonly NewEvent[]): Promise<AppendedBatch> {
    this.snapshots.push(...events);
    return { accepted: events.length, stored: [] };
  }

  release(): void {
    this.#stalled = false;
    for (const answer of this.#waiting.splice(0)) answer();
  }

  async close(): Promise<void> {
    this.release();
  }
}

describe('SceneRecorder', () => {
  it('hands batches that fill during a loop turn to the appender only after the turn went out, in order', async (t) => {
    const store = await openStore('sqlite::memory:');
    t.after(() => store.close());
    const clock = new VirtualClock(T0);
    const receiver = new RecordingTransport('127.0.0.1:9');
    const appender = new WatchingAppender(receiver);
    const registry = new SceneRegistry({ reader: store, writer: store, clock, appender, config: { recorder: { maxBatchEvents: 7, flushIntervalMs: 1_000 } } });
    t.after(() => registry.close());
    await registry.load();
    const scene = await registry.createScene('lab');
    await registry.createObject('lab', { name: 'a' });
    registry.registerDevice('lab', receiver, { format: 'binary' });
    const records = Array.from({ length: 20 }, (_, i) => ({ object: 1, seq: i + 1, time: T0 + i }));
    registry.receiveDatagram(binaryDatagram(scene.index, 0, records), '10.0.0.1:1');
    assert.equal(appender.batches.length, 0, 'nothing is appended while the turn is read');
    clock.advance(0);
    assert.deepEqual(appender.batches.map((b) => b.seqs), [[1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14]]);
    assert.ok(appender.batches.every((b) => b.deliveredBefore > 0), 'the turn was delivered first');
    clock.advance(1_000);
    assert.deepEqual(appender.batches.map((b) => b.seqs.length), [7, 7, 6]);
    await registry.flush();
    assert.equal(registry.stats('lab').stored, 20);
  });

  it('delivers but does not store updates while the store is maxStoringUpdates behind, counts them, and snapshots their transforms', async (t) => {
    const store = await openStore('sqlite::memory:');
    t.after(() => store.close());
    const clock = new VirtualClock(T0);
    const receiver = new RecordingTransport('127.0.0.1:9');
    const appender = new StalledAppender();
    const registry = new SceneRegistry({ reader: store, writer: store, clock, appender, config: { recorder: { maxBatchEvents: 4, maxStoringUpdates: 10 } } });
    t.after(() => registry.close());
    await registry.load();
    const scene = await registry.createScene('lab');
    await registry.createObject('lab', { name: 'a' });
    registry.registerDevice('lab', receiver, { format: 'binary', snapshot: false });
    const send = (from: number, count: number) => {
      const records = Array.from({ length: count }, (_, i) => ({ object: 1, seq: from + i, time: T0 + from + i, floats: [from + i, 0, 0, 0, 0, 0, 1, 1, 1, 1] }));
      registry.receiveDatagram(binaryDatagram(scene.index, 0, records), '10.0.0.1:1');
      clock.advance(0);
    };
    send(1, 15);
    const behind = registry.stats('lab');
    assert.deepEqual([behind.accepted, behind.delivered, behind.storing, behind.unrecorded], [15, 15, 10, 5], 'all delivered, 10 on their way to the store, 5 not kept');
    // Written at once; it settles after the batches before it, so it is awaited once the store answers.
    const snapshotted = registry.snapshot();
    const snapshot = appender.snapshots.at(-1)?.data as { objects: { seq: number; location: number[] }[] };
    assert.deepEqual([snapshot.objects[0]?.seq, snapshot.objects[0]?.location], [15, [15, 0, 0]], 'the snapshot holds the latest transform, unrecorded or not');
    appender.release();
    await snapshotted;
    send(16, 3);
    await registry.flush();
    const after = registry.stats('lab');
    assert.deepEqual([after.accepted, after.stored, after.storing, after.unrecorded], [18, 13, 0, 5], 'once the store caught up, updates are stored again');
  });
});
