import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openStore } from '../../src/store/open-store.js';
import { runCli } from '../support/cli-process.js';

function tempFolder(t: { after(fn: () => void): void }): string {
  const folder = mkdtempSync(join(tmpdir(), 'playhead-cli-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

async function events(storeUrl: string, channel: string) {
  const store = await openStore(storeUrl);
  const all = [];
  for await (const page of store.scan({ channel, order: 'asc' })) all.push(...page);
  await store.close();
  return all;
}

describe('playhead ingest', () => {
  it('loads NDJSON with time and id fields, idempotently, and prints a summary', async (t) => {
    const folder = tempFolder(t);
    const file = join(folder, 'edits.jsonl');
    writeFileSync(file, '{"meta":{"dt":"2018-03-07T16:16:18+00:00","id":"b"},"n":2}\n{"meta":{"dt":"2018-03-07T16:16:17+00:00","id":"a"},"n":1}\n');
    const store = `sqlite:${join(folder, 'p.db')}`;
    const args = ['ingest', file, '--channel', 'wiki', '--store', store, '--time-field', 'meta.dt', '--id-field', 'meta.id'];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^ingested 2 records into wiki: 2 new, 0 duplicates, in [\d.]+ s/);
    const again = await runCli(args);
    assert.match(again.stdout, /: 0 new, 2 duplicates/);
    assert.deepEqual((await events(store, 'wiki')).map((e) => [e.ts, e.id]), [[Date.UTC(2018, 2, 7, 16, 16, 17), 'a'], [Date.UTC(2018, 2, 7, 16, 16, 18), 'b']]);
  });

  it('loads CSV with typed columns and epoch-second times', async (t) => {
    const folder = tempFolder(t);
    const file = join(folder, 'readings.csv');
    writeFileSync(file, 'at,sensor,value\n1700000000,s1,21.5\n1700000001,s2,19\n');
    const store = `sqlite:${join(folder, 'p.db')}`;
    const result = await runCli(['ingest', file, '--channel', 'readings', '--store', store, '--time-field', 'at', '--time-unit', 's']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((await events(store, 'readings')).map((e) => [e.ts, e.data]), [
      [1_700_000_000_000, { at: 1700000000, sensor: 's1', value: 21.5 }],
      [1_700_000_001_000, { at: 1700000001, sensor: 's2', value: 19 }],
    ]);
  });

  it('stops at a bad record with its number and exit code 1', async (t) => {
    const folder = tempFolder(t);
    const file = join(folder, 'bad.jsonl');
    writeFileSync(file, '{"t":"2018-03-07T16:16:17Z"}\n{"t":"last tuesday"}\n');
    const result = await runCli(['ingest', file, '--channel', 'x', '--store', `sqlite:${join(folder, 'p.db')}`, '--time-field', 't']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').at(-1), 'playhead: invalid_time: record 2: time is not ISO-8601 (like 2016-01-15T14:32:24Z), epoch ms, "now" or "now-15m" (at index 0), got "last tuesday"');
  });

  it('explains an unknown file extension', async (t) => {
    const folder = tempFolder(t);
    const file = join(folder, 'data.bin');
    writeFileSync(file, '');
    const result = await runCli(['ingest', file, '--channel', 'x', '--store', 'sqlite::memory:']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot tell the format of .*data\.bin from its extension: pass --format ndjson\|json\|csv\|tsv/);
  });
});

describe('playhead demo', () => {
  it('loads every demo channel once, however often it runs', async (t) => {
    const folder = tempFolder(t);
    const store = `sqlite:${join(folder, 'p.db')}`;
    const first = await runCli(['demo', '--store', store]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^wikipedia: 5607 events \(5607 new\)$/m);
    assert.match(first.stdout, /^trajectories\.students003: 17953 events \(17953 new\)$/m);
    const second = await runCli(['demo', '--store', store]);
    assert.match(second.stdout, /^wikipedia: 5607 events \(0 new\)$/m);
    const trajectory = (await events(store, 'trajectories.biwi_eth'))[0];
    assert.deepEqual(trajectory?.data, { object: 'p1', frame: 780, x: 8.46, y: 3.59 });
    assert.equal(trajectory?.ts, Date.UTC(2020, 0, 1) + 780 * 40);
  });
});
