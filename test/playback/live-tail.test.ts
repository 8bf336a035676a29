/**
 * LiveTail over a real store and the in-process bus, with batches published
 * out of order or not at all, as they arrive from other nodes: every event
 * is delivered once, in seq order, the gaps read from the store's log.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeEvent, type StoredEvent } from '../../src/core/event.js';
import type { LiveBus, LiveListener } from '../../src/live/live-bus.js';
import { LiveTail } from '../../src/playback/live-tail.js';
import type { EventReader, EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';

const T0 = Date.UTC(2018, 2, 7, 16, 16, 17);

/** A bus whose batches the test hands over as another node's would arrive, the empty "may have missed some" one included. */
class HandDeliveredBus implements LiveBus {
  readonly #listeners = new Set<LiveListener>();
  publish(_channel: string, events: readonly StoredEvent[]): void {
    for (const listener of this.#listeners) listener(events);
  }
  subscribe(_channel: string, listener: LiveListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  notify(): void {}
  listen(): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}

async function setup(t: { after(fn: () => Promise<void>): void }, readerOf: (store: EventStore) => EventReader = (store) => store) {
  const started = await unstarted(t, readerOf);
  await started.tail.start(undefined);
  return started;
}

async function unstarted(t: { after(fn: () => Promise<void>): void }, readerOf: (store: EventStore) => EventReader) {
  const store = await openStore('sqlite::memory:');
  t.after(() => store.close());
  const bus = new HandDeliveredBus();
  const delivered: number[] = [];
  const tail = new LiveTail({ channel: 'c', reader: readerOf(store), bus, deliver: (events) => (delivered.push(...events.map((e) => e.seq)), true), onError: (error) => assert.fail(String(error)) });
  const append = async (count: number): Promise<StoredEvent[]> => [...(await store.append('c', Array.from({ length: count }, (_, i) => normalizeEvent({ time: T0 + i, data: i }, { now: T0, maxEventBytes: 1 << 10 })))).stored];
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  t.after(async () => tail.stop());
  return { bus, delivered, append, settle, tail };
}

/** The store as a reader without its seq log (as a source is), reading channels through `getChannel`. */
function readerWith(store: EventStore, getChannel: EventReader['getChannel']): EventReader {
  return {
    capabilities: store.capabilities, scan: (r) => store.scan(r), histogram: (c, r) => store.histogram(c, r),
    listChannels: () => store.listChannels(), getChannel, ping: () => store.ping(),
  };
}

describe('LiveTail', () => {
  it('delivers batches that arrive out of order once each, in seq order', async (t) => {
    const { bus, delivered, append, settle } = await setup(t);
    const [first, second, third] = [await append(2), await append(2), await append(2)] as [StoredEvent[], StoredEvent[], StoredEvent[]];
    bus.publish('c', third);
    await settle();
    bus.publish('c', first);
    bus.publish('c', second);
    await settle();
    assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6]);
  });

  it('reads events the bus never carried when told it may have missed some', async (t) => {
    const { bus, delivered, append, settle } = await setup(t);
    bus.publish('c', await append(1));
    await append(3);
    bus.publish('c', []);
    await settle();
    assert.deepEqual(delivered, [1, 2, 3, 4]);
    bus.publish('c', await append(1));
    assert.deepEqual(delivered, [1, 2, 3, 4, 5], 'contiguous batches go out at once, with no store read');
  });

  it('without a log in seq order (a source), delivers what the bus brings, in seq order', async (t) => {
    const { bus, delivered, append, settle } = await setup(t, (store) => readerWith(store, (n) => store.getChannel(n)));
    const events = await append(3);
    bus.publish('c', [events[2] as StoredEvent, events[0] as StoredEvent]);
    await settle();
    assert.deepEqual(delivered, [1, 3]);
  });

  it('going live, delivers an event committed while the live position was read', async (t) => {
    let commitDuringRead = async (): Promise<void> => {};
    const { tail, delivered, append, settle, bus } = await unstarted(t, (store) => readerWith(store, async (name) => {
      await commitDuringRead();
      return store.getChannel(name);
    }));
    commitDuringRead = async () => bus.publish('c', await append(1));
    await tail.start(undefined);
    bus.publish('c', await append(1));
    await settle();
    assert.deepEqual(delivered, [1, 2]);
  });
});
