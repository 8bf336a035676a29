/**
 * SourceRegistry: mount, route and unmount, and live polling on a
 * VirtualClock: rows inserted after mount are published once, in id order,
 * at the poll interval; a row older than the late window is left to scans.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import type { StoredEvent } from '../../../src/core/event.js';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import type { PlayheadError } from '../../../src/core/errors.js';
import { sourceDefinitionLog } from '../../../src/cli/mount-sources.js';
import { InProcessBus } from '../../../src/live/in-process/in-process-bus.js';
import type { LiveBus } from '../../../src/live/live-bus.js';
import type { EventStore } from '../../../src/store/event-store.js';
import { openStore } from '../../../src/store/open-store.js';
import { openSource } from '../../../src/store/sources/open-source.js';
import type { AnySourceSpec } from '../../../src/store/sources/source-spec.js';
import { SOURCE_DEFINITIONS_CHANNEL } from '../../../src/store/sources/source-definitions.js';
import { SourceRegistry, type SourceRegistryOptions } from '../../../src/store/sources/source-registry.js';

const T0 = Date.UTC(2018, 2, 7);

function fixture(t: TestContext) {
  const folder = mkdtempSync(join(tmpdir(), 'playhead-registry-'));
  const path = join(folder, 'rows.db');
  const db = new Database(path);
  db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, v REAL)');
  const insert = db.prepare('INSERT INTO rows (id, at, v) VALUES (?, ?, ?)');
  for (let i = 1; i <= 10; i += 1) insert.run(i, T0 + i * 1_000, i);
  const clock = new VirtualClock(0);
  const published: StoredEvent[][] = [];
  const registry = new SourceRegistry({ clock, publish: (_channel, events) => void published.push([...events]) });
  t.after(async () => {
    await registry.close();
    db.close();
    rmSync(folder, { recursive: true, force: true });
  });
  return { url: `sqlite:${path}?table=rows&time=at&unit=ms&poll=1s&late=5s`, insert, clock, published, registry };
}

/** A node's registry whose POST /v1/sources definitions live in `log`, followed as `playhead serve` follows them. */
function nodeRegistry(log: EventStore, options: Omit<SourceRegistryOptions, 'definitions'>, bus: LiveBus = new InProcessBus()): SourceRegistry {
  const definitions = sourceDefinitionLog(log, bus, (definition) => registry.apply(definition), () => {});
  const registry = new SourceRegistry({ ...options, definitions });
  return registry;
}

/** Waits for what another node does through the shared log: a few turns of real I/O, bounded. */
async function until(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 200 && !done(); turn += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(done(), 'the other node did not follow within 200 turns');
}

/** Runs due timers and lets the poll they start finish (SQLite answers synchronously, in one turn). */
async function tick(clock: VirtualClock, ms: number): Promise<void> {
  clock.advance(ms);
  for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('SourceRegistry', () => {
  it('routes a source\'s channel to it, and nothing after unmount', async (t) => {
    const { url, registry } = fixture(t);
    await registry.mount('rows', url);
    assert.equal(registry.route('rows')?.spec.name, 'rows');
    assert.equal(registry.route('rows/x=1'), undefined, 'an unkeyed source owns only its name');
    assert.equal(registry.route('other'), undefined);
    await registry.unmount('rows');
    assert.equal(registry.route('rows'), undefined);
    await assert.rejects(registry.unmount('rows'), { code: 'unknown_source', message: 'no source is named "rows": GET /v1/sources lists them' });
    await registry.close();
    await registry.close();
  });

  it('publishes rows inserted after mount once each at the poll interval, and leaves rows older than the late window to scans', async (t) => {
    const { url, insert, clock, published, registry } = fixture(t);
    await registry.mount('rows', url);
    assert.equal(published.length, 0, 'what the table held at mount is history');
    insert.run(12, T0 + 12_000, 12);
    insert.run(11, T0 + 11_000, 11);
    await tick(clock, 999);
    assert.equal(published.length, 0, 'not before the interval');
    await tick(clock, 1);
    assert.deepEqual(published.map((batch) => batch.map((e) => [e.seq, e.ts])), [[[11, T0 + 11_000], [12, T0 + 12_000]]]);
    insert.run(13, T0 + 8_000, 13); // late, within 5 s of the newest (12 s)
    insert.run(14, T0 + 6_000, 14); // later than the window: a scan finds it, live does not
    await tick(clock, 1_000);
    await tick(clock, 1_000);
    assert.deepEqual(published.slice(1).map((batch) => batch.map((e) => e.seq)), [[13]]);
    assert.equal((await registry.route('rows')?.getChannel('rows'))?.count, 14);
  });

  describe('#load', () => {
    it('remounts what was mounted with persist, not the rest, and forgets what was unmounted', async (t) => {
      const { url } = fixture(t);
      const log = await openStore('sqlite::memory:');
      t.after(() => log.close());
      const first = nodeRegistry(log, { clock: new VirtualClock(0), publish: () => {} });
      await first.mount('kept', url, { persist: true });
      await first.mount('flag', url);
      await first.mount('dropped', url, { persist: true });
      await first.unmount('dropped');
      await first.close();
      const second = nodeRegistry(log, { clock: new VirtualClock(0), publish: () => {} });
      t.after(() => second.close());
      assert.deepEqual(await second.load(), []);
      assert.deepEqual(second.list().map((source) => source.name), ['kept'], 'close is a shutdown, not an unmount');
      const records = [];
      for await (const page of log.scan({ channel: SOURCE_DEFINITIONS_CHANNEL, order: 'asc' })) records.push(...page.map((event) => event.data));
      assert.deepEqual(records, [{ action: 'mount', name: 'kept', url }, { action: 'mount', name: 'dropped', url }, { action: 'unmount', name: 'dropped' }]);
    });

    it('tries a stored source that could not be mounted again every remountIntervalMs until it mounts, and not after DELETE', async (t) => {
      const { url } = fixture(t);
      const path = url.slice('sqlite:'.length, url.indexOf('?'));
      const log = await openStore('sqlite::memory:');
      t.after(() => log.close());
      const first = nodeRegistry(log, { clock: new VirtualClock(0), publish: () => {} });
      await first.mount('rows', url, { persist: true });
      await first.close();
      renameSync(path, `${path}.away`);
      const clock = new VirtualClock(0);
      const remounted: string[] = [];
      // Each try's outcome, so the test waits for a failed try to be over before the file comes back.
      const tries: Promise<unknown>[] = [];
      const open = (spec: AnySourceSpec) => {
        const opening = openSource(spec);
        tries.push(opening.catch(() => undefined));
        return opening;
      };
      const second = nodeRegistry(log, { clock, publish: () => {}, open, remountIntervalMs: 10_000, onRemounted: (name) => remounted.push(name) });
      t.after(() => second.close());
      assert.deepEqual((await second.load()).map(({ name, error }) => [name, (error as PlayheadError).code]), [['rows', 'invalid_source']]);
      await tick(clock, 10_000);
      assert.equal(tries.length, 2);
      await tries[1];
      await tick(clock, 0);
      assert.deepEqual([second.list().length, remounted], [0, []], 'still missing: tried and failed quietly');
      renameSync(`${path}.away`, path);
      await tick(clock, 9_999);
      assert.equal(second.list().length, 0, 'not before the interval');
      await tick(clock, 1);
      // The remount opens the file and reads its shape: a few more turns than one poll.
      for (let turn = 0; turn < 100 && remounted.length === 0; turn += 1) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.deepEqual([second.list().map((source) => source.name), remounted], [['rows'], ['rows']]);
    });

    it('stops trying a stored source once DELETE forgets it', async (t) => {
      const { url } = fixture(t);
      const path = url.slice('sqlite:'.length, url.indexOf('?'));
      const log = await openStore('sqlite::memory:');
      t.after(() => log.close());
      const first = nodeRegistry(log, { clock: new VirtualClock(0), publish: () => {} });
      await first.mount('rows', url, { persist: true });
      await first.close();
      renameSync(path, `${path}.away`);
      const clock = new VirtualClock(0);
      const second = nodeRegistry(log, { clock, publish: () => {}, remountIntervalMs: 10_000 });
      t.after(() => second.close());
      await second.load();
      await assert.rejects(second.mount('rows', url, { persist: true }), { code: 'source_exists' });
      await second.unmount('rows');
      renameSync(`${path}.away`, path);
      await tick(clock, 10_000);
      assert.equal(second.list().length, 0);
      await second.mount('rows', url, { persist: true });
      assert.deepEqual(second.list().map((source) => source.name), ['rows'], 'mountable again after DELETE');
    });

    it('mounts and unmounts on every node sharing the store what any of them stores, while they run', async (t) => {
      const { url } = fixture(t);
      const log = await openStore('sqlite::memory:');
      t.after(() => log.close());
      const bus = new InProcessBus();
      const [a, b] = [0, 1].map(() => nodeRegistry(log, { clock: new VirtualClock(0), publish: () => {} }, bus)) as [SourceRegistry, SourceRegistry];
      t.after(() => Promise.all([a.close(), b.close()]));
      await b.mount('flag', url);
      assert.deepEqual([await a.load(), await b.load()], [[], []]);
      await a.mount('rows', url, { persist: true });
      await until(() => b.list().length === 2);
      assert.equal(b.route('rows')?.spec.name, 'rows', 'the other node reads the channel from the source');
      await a.unmount('rows');
      await until(() => b.list().length === 1);
      assert.deepEqual(b.list().map((source) => source.name), ['flag'], 'a flag\'s source stays');
      await a.mount('rows', url.replace('poll=1s', 'poll=2s'), { persist: true });
      await until(() => b.list().length === 2);
      assert.equal(b.describe('rows').live.pollIntervalMs, 2_000, 'mounted again with the new URL');
    });

    it('lets a source mounted first (a flag) win over a stored one of its name, and reports it', async (t) => {
      const { url } = fixture(t);
      const log = await openStore('sqlite::memory:');
      t.after(() => log.close());
      const first = nodeRegistry(log, { clock: new VirtualClock(0), publish: () => {} });
      await first.mount('rows', url, { persist: true });
      await first.close();
      const second = nodeRegistry(log, { clock: new VirtualClock(0), publish: () => {} });
      t.after(() => second.close());
      await second.mount('rows', url.replace('poll=1s', 'poll=2s'));
      const failures = await second.load();
      assert.deepEqual(failures.map(({ name, error }) => [name, (error as PlayheadError).code, (error as Error).message]), [
        ['rows', 'source_exists', 'source rows is mounted by --source or the config file, which wins over the definition stored by POST /v1/sources'],
      ]);
      assert.equal(second.describe('rows').live.pollIntervalMs, 2_000);
    });
  });
});
