/**
 * What every FeedStore adapter must do: the reference-model property test
 * (random adds, deletes, bound changes and drops equal a sorted, trimmed
 * map, and the returned changes replay to the same state), cursors, and
 * concurrent writers that neither lose an item nor overflow the bound.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import fc from 'fast-check';
import type { FeedItem, FeedOperation, FeedPosition, FeedStore } from '../../src/store/feed-store.js';

export interface FeedConformanceOptions {
  readonly name: string;
  /** A fresh, empty store. */
  readonly open: () => Promise<FeedStore>;
  /** Other stores on the same data (other processes or connections), for the concurrency test. */
  readonly openPeer?: (first: FeedStore) => Promise<FeedStore>;
  readonly numRuns: number;
}

const DEFAULT_MAX = 4;

type ModelItem = { time: number; dataJson: string | null };

/** The reference: per feed a map id -> item and a bound, sorted newest first on read. */
class FeedModel {
  readonly feeds = new Map<string, { items: Map<string, ModelItem>; maxItems: number | null }>();

  apply(operation: FeedOperation): void {
    const feed = this.#feed(operation.key);
    switch (operation.kind) {
      case 'add':
        for (const item of operation.items) feed.items.set(item.id, { time: item.time, dataJson: item.dataJson });
        break;
      case 'delete':
        for (const id of operation.ids) feed.items.delete(id);
        break;
      case 'configure':
        feed.maxItems = operation.maxItems;
        break;
      case 'drop':
        feed.items.clear();
        feed.maxItems = null;
        break;
    }
    const sorted = this.sorted(operation.key);
    for (const item of sorted.slice(feed.maxItems ?? DEFAULT_MAX)) feed.items.delete(item.id);
  }

  sorted(key: string): FeedItem[] {
    const feed = this.#feed(key);
    return [...feed.items].map(([id, item]) => toItem(id, item)).sort(newestFirst);
  }

  #feed(key: string) {
    let feed = this.feeds.get(key);
    if (feed === undefined) this.feeds.set(key, (feed = { items: new Map(), maxItems: null }));
    return feed;
  }
}

function toItem(id: string, item: ModelItem): FeedItem {
  return item.dataJson === null ? { id, time: item.time } : { id, time: item.time, data: JSON.parse(item.dataJson) };
}

export function newestFirst(a: FeedPosition, b: FeedPosition): number {
  return b.time - a.time || Buffer.compare(Buffer.from(b.id), Buffer.from(a.id));
}

const KEYS = ['a', 'b:c'];
const ids = fc.constantFrom('1', '2', '3', '4', '5', '10', 'é', 'z', 'Z');
const item = fc.record({
  id: ids,
  time: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(1.5, -2, 1.6e12)),
  dataJson: fc.option(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), { nil: null }),
});
const operation: fc.Arbitrary<FeedOperation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('add' as const), key: fc.constantFrom(...KEYS), items: fc.array(item, { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS), ids: fc.array(ids, { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('configure' as const), key: fc.constantFrom(...KEYS), maxItems: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), key: fc.constantFrom(...KEYS) }) },
);

/** Reads every item of a feed through cursor pages of `limit`. */
async function readAll(store: FeedStore, key: string, limit: number): Promise<FeedItem[]> {
  const all: FeedItem[] = [];
  let before: FeedPosition | undefined;
  for (;;) {
    const page = await store.read(key, { limit, before });
    all.push(...page.items);
    if (page.items.length < limit) return all;
    before = page.items[page.items.length - 1];
  }
}

export function runFeedStoreConformance(options: FeedConformanceOptions): void {
  const test = (name: string, body: (store: FeedStore) => Promise<void>) => it(name, async () => {
    const store = await options.open();
    try {
      await body(store);
    } finally {
      await store.close();
    }
  });

  describe(`FeedStore conformance: ${options.name}`, () => {
    test('equals a sorted, trimmed map after any sequence of writes, and its changes replay to it', async (store) => {
      let run = 0;
      await fc.assert(fc.asyncProperty(fc.array(fc.array(operation, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 }), async (writes) => {
        run += 1;
        const prefix = `run${run}.`; // each run its own feeds: one store, many runs
        const model = new FeedModel();
        const mirrors = new Map<string, Map<string, FeedItem>>();
        const versions = new Map<string, number>();
        for (const write of writes) {
          const scoped = write.map((op) => ({ ...op, key: prefix + op.key }));
          for (const op of scoped) model.apply(op);
          const changes = await store.write(scoped, { defaultMaxItems: DEFAULT_MAX });
          assert.deepEqual(changes.map((c) => c.key), [...new Set(scoped.map((op) => op.key))]);
          for (const change of changes) {
            assert.equal(change.from, versions.get(change.key) ?? 0);
            versions.set(change.key, change.to);
            const mirror = mirrors.get(change.key) ?? new Map<string, FeedItem>();
            mirrors.set(change.key, mirror);
            for (const removed of change.removed) assert.ok(mirror.delete(removed.id), `removed ${removed.id} was there`);
            for (const added of change.added) {
              assert.ok(!mirror.has(added.id), `added ${added.id} was not there`);
              mirror.set(added.id, added);
            }
            assert.equal(change.count, mirror.size);
          }
        }
        for (const key of KEYS) {
          const expected = model.sorted(prefix + key);
          const page = await store.read(prefix + key, { limit: 100 });
          assert.deepEqual(page.items, expected);
          assert.equal(page.count, expected.length);
          assert.deepEqual([...(mirrors.get(prefix + key)?.values() ?? [])].sort(newestFirst), expected);
          assert.deepEqual(await readAll(store, prefix + key, 2), expected, 'pages of 2 neither skip nor repeat');
        }
      }), { numRuns: options.numRuns });
    });

    test('reports an item trimmed and added back at its old time with other data (the trim never read the data)', async (store) => {
      const options = { defaultMaxItems: 4 };
      await store.write([{ kind: 'add', key: 't', items: [{ id: 'z', time: 2, dataJson: '{"v":1}' }, { id: 'y', time: 3, dataJson: null }] }], options);
      // The bound trims z, and the add brings it back at time 2 without data: a subscriber must drop {"v":1}.
      const [change] = await store.write([
        { kind: 'configure', key: 't', maxItems: 1 },
        { kind: 'add', key: 't', items: [{ id: 'y', time: 1, dataJson: null }, { id: 'z', time: 2, dataJson: null }] },
      ], options);
      assert.deepEqual(change?.added, [{ id: 'z', time: 2 }]);
      assert.deepEqual(change?.removed.map((item) => item.id).sort(), ['y', 'z']);
      assert.deepEqual((await store.read('t', { limit: 10 })).items, [{ id: 'z', time: 2 }]);
    });

    test('keeps an item added older than the trimmed ones when the same write moves another below it', async (store) => {
      const options = { defaultMaxItems: 4 };
      const add = (...items: [string, number][]) => ({ kind: 'add' as const, key: 'f', items: items.map(([id, time]) => ({ id, time, dataJson: null })) });
      await store.write([add(['1', 1], ['2', 2], ['3', 3], ['4', 4], ['5', 5])], options);
      // x is older than the trimmed 1, yet the bound keeps it: moving 5 to time 0 makes 5 the oldest, and the one trimmed.
      const [change] = await store.write([add(['x', 0.5], ['5', 0])], options);
      assert.deepEqual((await store.read('f', { limit: 10 })).items.map((item) => item.id), ['4', '3', '2', 'x']);
      assert.deepEqual([change?.added, change?.removed, change?.count], [[{ id: 'x', time: 0.5 }], [{ id: '5', time: 5 }], 4]);
      await store.write([{ kind: 'delete', key: 'f', ids: ['4', '1'] }], options);
      assert.deepEqual((await store.read('f', { limit: 10 })).items.map((item) => item.id), ['3', '2', 'x'], 'a trimmed item never comes back');
    });

    test('pages newest first with before and after bounds', async (store) => {
      const items = Array.from({ length: 10 }, (_, i) => ({ id: `i${i}`, time: 1_000 + Math.floor(i / 2), dataJson: null }));
      await store.write([{ kind: 'add', key: 'k', items }], { defaultMaxItems: 100 });
      const first = await store.read('k', { limit: 3 });
      assert.deepEqual(first.items.map((i) => i.id), ['i9', 'i8', 'i7']);
      const second = await store.read('k', { limit: 3, before: first.items[2] });
      assert.deepEqual(second.items.map((i) => i.id), ['i6', 'i5', 'i4']);
      const since = await store.read('k', { limit: 100, after: { time: 1_003, id: 'i6' } });
      assert.deepEqual(since.items.map((i) => i.id), ['i9', 'i8', 'i7']);
      assert.deepEqual(await store.read('nothing', { limit: 5 }), { items: [], version: 0, count: 0, maxItems: null });
    });

    test('pages neither skip nor repeat an item while others are added and removed between pages', async (store) => {
      const write = (operation: FeedOperation) => store.write([operation], { defaultMaxItems: 1_000 });
      await write({ kind: 'add', key: 'p', items: Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, time: i * 10, dataJson: null })) });
      const seen: string[] = [];
      const removed = new Set<string>();
      let before: FeedPosition | undefined;
      for (let page = 0; ; page += 1) {
        const { items } = await store.read('p', { limit: 3, before });
        seen.push(...items.map((item) => item.id));
        if (items.length < 3) break;
        before = items[items.length - 1];
        // Between pages: one item newer than everything, one older than the cursor, and one not yet read removed.
        await write({ kind: 'add', key: 'p', items: [{ id: `new${page}`, time: 1_000 + page, dataJson: null }, { id: `old${page}`, time: (before?.time ?? 0) - 5, dataJson: null }] });
        const victim = `s${Math.max(0, 38 - page * 4)}`;
        if (!seen.includes(victim)) {
          removed.add(victim);
          await write({ kind: 'delete', key: 'p', ids: [victim] });
        }
      }
      assert.equal(new Set(seen).size, seen.length, 'no item twice');
      const stayed = Array.from({ length: 40 }, (_, i) => `s${i}`).filter((id) => !removed.has(id));
      assert.deepEqual(stayed.filter((id) => !seen.includes(id)), [], 'every item there from first page to last was seen');
      assert.ok(seen.some((id) => id.startsWith('old')), 'items added below the cursor are read in later pages');
    });

    test('keeps keys and ids such as __proto__ apart and data exact', async (store) => {
      const data = { ['__proto__']: { polluted: true }, constructor: 1, s: 'nul\u0000 ✓' };
      await store.write([{ kind: 'add', key: '__proto__', items: [{ id: 'constructor', time: 1, dataJson: JSON.stringify(data) }] }], { defaultMaxItems: 5 });
      const page = await store.read('__proto__', { limit: 5 });
      assert.equal(JSON.stringify(page.items[0]?.data), JSON.stringify(data));
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    test('stores a rule checkpoint with the writes, and forgets it', async (store) => {
      assert.equal(await store.rulePosition('r'), 0);
      await store.write([{ kind: 'add', key: 'k', items: [{ id: '1', time: 1, dataJson: null }] }], { defaultMaxItems: 5, checkpoint: { rule: 'r', seq: 42 } });
      assert.equal(await store.rulePosition('r'), 42);
      await store.forgetRule('r');
      assert.equal(await store.rulePosition('r'), 0);
    });

    test('answers each of many concurrent writes with the changes of its own feeds, versions contiguous', async (store) => {
      const writes = Array.from({ length: 120 }, (_, i) => [
        { kind: 'add' as const, key: `k${i % 7}`, items: [{ id: `a${i}`, time: i, dataJson: null }] },
        { kind: 'add' as const, key: `m${i % 5}`, items: [{ id: `b${i}`, time: -i, dataJson: null }, { id: `b${i}`, time: i, dataJson: null }] },
      ]);
      const results = await Promise.all(writes.map((write) => store.write(write, { defaultMaxItems: 10 })));
      const versions = new Map<string, number[]>();
      results.forEach((changes, i) => {
        assert.deepEqual(changes.map((c) => c.key), [`k${i % 7}`, `m${i % 5}`]);
        assert.deepEqual(changes.map((c) => c.added.map((item) => item.id)), [[`a${i}`], [`b${i}`]].map((ids, j) => (changes[j]?.added.length === 0 ? [] : ids)));
        for (const change of changes) versions.set(change.key, [...(versions.get(change.key) ?? []), change.from]);
      });
      for (const [key, froms] of versions) assert.deepEqual(froms.sort((a, b) => a - b), froms.map((_, i) => i), key);
      for (let k = 0; k < 7; k += 1) {
        const expected = writes.map((_, i) => i).filter((i) => i % 7 === k).slice(-10).reverse().map((i) => `a${i}`);
        assert.deepEqual((await store.read(`k${k}`, { limit: 100 })).items.map((item) => item.id), expected);
      }
    });

    test('gives eight concurrent writers exactly the maxItems newest, never showing more', async (store) => {
      const writers = [store];
      for (let i = 1; i < 8; i += 1) writers.push(options.openPeer === undefined ? store : await options.openPeer(store));
      try {
        const maxItems = 25;
        await store.write([{ kind: 'configure', key: 'hot', maxItems }], { defaultMaxItems: 100 });
        let reading = true;
        let reads = 0;
        const reader = (async () => {
          while (reading) {
            const page = await store.read('hot', { limit: 1_000 });
            assert.ok(page.items.length <= maxItems, `a reader saw ${page.items.length} items`);
            reads += 1;
            // A reader that never yields to the event loop would starve every I/O callback, writers on other connections included.
            await setImmediate();
          }
        })();
        const all: FeedPosition[] = [];
        await Promise.all(writers.map(async (writer, w) => {
          for (let batch = 0; batch < 10; batch += 1) {
            const items = Array.from({ length: 5 }, (_, i) => ({ id: `w${w}-${batch}-${i}`, time: (batch * 5 + i) * 8 + w, dataJson: null }));
            all.push(...items);
            await writer.write([{ kind: 'add', key: 'hot', items }], { defaultMaxItems: 100 });
          }
        }));
        reading = false;
        await reader;
        assert.ok(reads > 0);
        const expected = all.sort(newestFirst).slice(0, maxItems).map((p) => p.id);
        const page = await store.read('hot', { limit: 1_000 });
        assert.deepEqual(page.items.map((i) => i.id), expected);
        assert.equal(page.count, maxItems);
      } finally {
        for (const writer of writers.slice(1)) if (writer !== store) await writer.close();
      }
    });
  });
}
