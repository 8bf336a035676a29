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
});
