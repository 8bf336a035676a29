/** The SQLite feed store: the feed conformance suite, with eight connections to one file for the concurrency case. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteFeedStore } from '../../src/store/sqlite/sqlite-feed-store.js';
import { runFeedStoreConformance } from './feed-conformance.js';

const folder = mkdtempSync(join(tmpdir(), 'playhead-feeds-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;
const paths = new WeakMap<object, string>();

runFeedStoreConformance({
  name: 'sqlite',
  numRuns: 100,
  open: async () => {
    const path = join(folder, `feeds-${(files += 1)}.db`);
    const store = SqliteFeedStore.open({ path });
    paths.set(store, path);
    return store;
  },
  openPeer: async (first) => SqliteFeedStore.open({ path: paths.get(first) as string }),
});

// In memory (or on a caller's connection) writes commit on the calling thread: the same contract.
runFeedStoreConformance({
  name: 'sqlite in memory, writes on the calling thread',
  numRuns: 50,
  open: async () => SqliteFeedStore.open({ path: ':memory:' }),
});
