import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { SceneRegistry } from '../../src/scenes/scene-registry.js';
import { openStore } from '../../src/store/open-store.js';
import type { StoredEvent } from '../../src/core/event.js';
import type { EventReader } from '../../src/store/event-store.js';
import { jsonDatagram, RecordingTransport, startRegistry, T0 } from './scene-harness.js';

async function all(reader: EventReader, channel: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const page of reader.scan({ channel, order: 'asc' })) events.push(...page);
  return events;
}

describe('SceneRegistry persistence', () => {
  it('appends every update to scene.{scene} in batches, off the delivery path', async (t) => {
    const { registry, clock, store } = await startRegistry(t, { recorder: { flushIntervalMs: 100 } });
    await registry.createScene('lab');
    await registry.createObject('lab', { name: 'cube1' });
    const receiver = new RecordingTransport('127.0.0.1:9');
    registry.registerDevice('lab', receiver);
    for (let i = 1; i <= 5; i += 1) registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', seq: i, time: T0 + i, location: [i, 0, 0] }), '10.0.0.1:1');
    clock.advance(0);
    assert.equal(receiver.jsonMessages().length, 5, 'delivered before anything is stored');
    assert.equal((await all(store, 'scene.lab')).length, 0);
    clock.advance(100);
    await registry.flush();
    const events = await all(store, 'scene.lab');
    assert.deepEqual(events.map((e) => e.ts), [T0 + 1, T0 + 2, T0 + 3, T0 + 4, T0 + 5]);
    assert.deepEqual(events[4]?.data, { object: 'cube1', index: 1, seq: 5, location: [5, 0, 0], rotation: [0, 0, 0, 1], scale: [1, 1, 1] });
  });

  it('stores every delivered update on a clean shutdown, and a restarted registry knows each latest transform', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'playhead-scenes-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const url = `sqlite:${join(dir, 'scenes.db')}`;
    const clock = new VirtualClock(T0);
    const store = await openStore(url);
    const first = new SceneRegistry({ reader: store, writer: store, clock, config: { recorder: { flushIntervalMs: 60_000 } } });
    await first.load();
    await first.createScene('lab');
    await first.createObject('lab', { name: 'a', type: 'cube', metadata: { color: 'red' } });
    await first.createObject('lab', { name: 'b' });
    const receiver = new RecordingTransport('127.0.0.1:9');
    first.registerDevice('lab', receiver);
    for (let i = 1; i <= 300; i += 1) {
      first.receiveDatagram(jsonDatagram([{ scene: 'lab', object: 'a', seq: i, location: [i, 0, 0] }, { scene: 'lab', object: 'b', seq: i, scale: [i, i, i] }]), '10.0.0.1:1');
      clock.advance(1);
    }
    await first.close();
    await store.close();
    assert.equal(receiver.jsonMessages().length, 600);

    const reopened = await openStore(url);
    t.after(() => reopened.close());
    assert.equal((await all(reopened, 'scene.lab')).length, 600);
    const second = new SceneRegistry({ reader: reopened, writer: reopened, clock });
    t.after(() => second.close());
    await second.load();
    const scene = second.scene('lab');
    assert.deepEqual(scene.object('a').state(), { object: 'a', index: 1, type: 'cube', metadata: { color: 'red' }, seq: 300, time: T0 + 299, location: [300, 0, 0], rotation: [0, 0, 0, 1], scale: [1, 1, 1] });
    assert.deepEqual(scene.object('b').state().scale, [300, 300, 300]);
  });

  it('restores from the latest snapshot plus the events stored after it', async (t) => {
    const { registry, clock, store } = await startRegistry(t, { recorder: { flushIntervalMs: 10, snapshotIntervalMs: 1_000 } });
    await registry.createScene('lab');
    await registry.createObject('lab', { name: 'a' });
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'a', location: [1, 0, 0] }), '10.0.0.1:1');
    clock.advance(1_000);
    await registry.snapshot();
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'a', location: [2, 0, 0] }), '10.0.0.1:1');
    clock.advance(20);
    await registry.flush();
    assert.equal((await all(store, 'playhead.scene-snapshots.lab')).length, 1);
    const restarted = new SceneRegistry({ reader: store, writer: store, clock });
    t.after(() => restarted.close());
    await restarted.load();
    assert.deepEqual(restarted.scene('lab').object('a').state().location, [2, 0, 0]);
    assert.equal(restarted.scene('lab').object('a').seq, 2);
  });
});

describe('SceneRegistry #deleteScene', () => {
  it('gives a recreated scene of the same name none of the old transforms, even after a restart', async (t) => {
    const { registry, clock, store } = await startRegistry(t);
    await registry.createScene('lab');
    await registry.createObject('lab', { name: 'a', location: [9, 9, 9] });
    clock.advance(0);
    await registry.deleteScene('lab');
    await registry.createScene('lab');
    await registry.createObject('lab', { name: 'a' });
    assert.equal(registry.scene('lab').object('a').seq, 0);
    await registry.flush();
    const restarted = new SceneRegistry({ reader: store, writer: store, clock });
    t.after(() => restarted.close());
    await restarted.load();
    assert.deepEqual([restarted.scene('lab').object('a').seq, restarted.scene('lab').index], [0, 2]);
    assert.deepEqual(await restarted.transformsAt('lab', T0 + 1_000), []);
  });
});

describe('SceneRegistry #transformsAt', () => {
  it('returns the transforms as they were at an instant: nearest snapshot plus the events after it', async (t) => {
    const { registry, clock } = await startRegistry(t, { recorder: { flushIntervalMs: 10, snapshotIntervalMs: 1_000 } });
    await registry.createScene('lab');
    await registry.createObject('lab', { name: 'a' });
    await registry.createObject('lab', { name: 'b' });
    for (let i = 1; i <= 30; i += 1) {
      registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: i % 2 === 0 ? 'a' : 'b', time: T0 + i * 100, location: [i, 0, 0] }), '10.0.0.1:1');
      clock.advance(100);
    }
    await registry.flush();
    const at = await registry.transformsAt('lab', T0 + 1_550);
    assert.deepEqual(at.map((entry) => [entry.object, entry.location[0], entry.time]), [['a', 14, T0 + 1_400], ['b', 15, T0 + 1_500]]);
    assert.deepEqual(await registry.transformsAt('lab', T0 - 1), []);
  });
});
