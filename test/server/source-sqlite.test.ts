/**
 * A SQLite table as a source, end to end: mounted by `playhead serve --source`,
 * and in-process: plays a window, seeks, goes live as rows are inserted by
 * another connection, and reports a missing column with the fix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, startServeProcess } from '../support/cli-process.js';
import { startSourceServer } from '../support/source-server.js';
import { TestClient } from '../support/ws-client.js';

const T0 = Date.UTC(2018, 2, 7);

/** A WAL file with `readings (id INTEGER PRIMARY KEY, device TEXT, at TEXT ISO, celsius REAL)`: 600 rows 100 ms apart, devices a and b. */
function readingsFile(t: TestContext): { path: string; db: Database.Database } {
  const folder = mkdtempSync(join(tmpdir(), 'playhead-sqlite-source-'));
  const path = join(folder, 'readings.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, device TEXT NOT NULL, at TEXT NOT NULL, celsius REAL); CREATE INDEX readings_device_at ON readings (device, at)');
  const insert = db.prepare('INSERT INTO readings (id, device, at, celsius) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= 600; i += 1) insert.run(i, i % 2 === 0 ? 'a' : 'b', new Date(T0 + i * 100).toISOString(), i / 10);
  })();
  t.after(() => {
    db.close();
    rmSync(folder, { recursive: true, force: true });
  });
  return { path, db };
}

describe('a SQLite table as a source', () => {
  it('is mounted by playhead serve --source and listed with its channels', async (t) => {
    const { path } = readingsFile(t);
    const server = await startServeProcess(['--store', 'sqlite::memory:', '--source', `readings=sqlite:${path}?table=readings&time=at&key=device`]);
    t.after(() => server.child.kill());
    const sources = (await (await fetch(`${server.url}/v1/sources`)).json()) as { sources: { name: string; index: unknown; time: unknown }[] };
    assert.deepEqual(sources.sources.map((s) => [s.name, s.index, s.time]), [['readings', { usable: true, name: 'readings_device_at', advice: null },
      { column: 'at', type: 'TEXT', reads: 'ISO-8601 text like "2018-03-07T16:16:17.111Z" (UTC, one format for every row)' }]]);
    const channels = (await (await fetch(`${server.url}/v1/channels`)).json()) as { channels: { name: string; count: number }[] };
    assert.deepEqual(channels.channels.map((c) => [c.name, c.count]), [['readings/device=a', 300], ['readings/device=b', 300]]);
  });

  it('stops playhead serve at start with the error of a --source that cannot be mounted', async () => {
    const result = await runCli(['serve', '--port', '0', '--store', 'sqlite::memory:', '--source', 'x=sqlite:./no-such-file.db?table=t&time=at']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), 'playhead: invalid_source: source x: cannot open the SQLite database ./no-such-file.db: unable to open database file: fix the path after sqlite:');
  });

  it('plays a window, seeks, and goes live as another connection inserts rows', async (t) => {
    const { path, db } = readingsFile(t);
    const server = await startSourceServer(t);
    await server.sources.mount('readings', `sqlite:${path}?table=readings&time=at&key=device`);
    const client = await TestClient.connect(`${server.ws}/v1/ws`);
    t.after(() => client.close());
    client.send({ action: 'play', sub: 'a', channel: 'readings/device=a', start: T0 + 10_000, end: T0 + 11_000, speed: 1000 });
    await client.waitFor((m) => m.type === 'state' && m.status === 'ended');
    assert.deepEqual(client.of('event').map((e) => [e.seq, e.data]), [100, 102, 104, 106, 108].map((i) => [i, { celsius: i / 10 }]));

    client.send({ action: 'play', sub: 'a', start: T0, end: T0 + 60_000, speed: 1 });
    await client.waitFor((m) => m.type === 'event' && m.seq === 2, client.messages.length);
    const seekFrom = client.messages.length;
    client.send({ action: 'seek', sub: 'a', to: T0 + 59_500 });
    client.send({ action: 'speed', sub: 'a', speed: 1000 });
    await client.waitFor((m) => m.type === 'state' && m.status === 'ended', seekFrom);
    assert.deepEqual(client.messages.slice(seekFrom).filter((m) => m.type === 'event').map((m) => m.seq), [596, 598]);

    const liveFrom = client.messages.length;
    client.send({ action: 'live', sub: 'a' });
    await client.waitFor((m) => m.type === 'state' && m.status === 'live', liveFrom);
    const insert = db.prepare('INSERT INTO readings (id, device, at, celsius) VALUES (?, ?, ?, ?)');
    for (const id of [601, 602, 603, 604]) {
      insert.run(id, id % 2 === 0 ? 'a' : 'b', new Date(T0 + id * 100).toISOString(), id / 10);
      await server.sources.pollNow();
    }
    await client.waitFor((m) => m.type === 'event' && m.seq === 604, liveFrom);
    assert.deepEqual(client.messages.slice(liveFrom).filter((m) => m.type === 'event').map((m) => [m.channel, m.seq]), [['readings/device=a', 602], ['readings/device=a', 604]]);
  });

  it('loops a window, and keeps a live view over a source channel', async (t) => {
    const { path, db } = readingsFile(t);
    const server = await startSourceServer(t);
    await server.sources.mount('readings', `sqlite:${path}?table=readings&time=at&key=device`);
    const client = await TestClient.connect(`${server.ws}/v1/ws`);
    t.after(() => client.close());
    // 10 s of device b (50 rows) at 100x: an iteration every 100 ms.
    client.send({ action: 'play', sub: 'b', channel: 'readings/device=b', start: T0 + 100, end: T0 + 10_100, speed: 100, loop: true });
    const last = await client.waitFor((m) => m.type === 'event' && m.seq === 99);
    await client.waitFor((m) => m.type === 'event' && m.seq === 1, client.messages.indexOf(last) + 1);
    client.send({ action: 'stop', sub: 'b' });
    const seqs = client.of('event').map((e) => e.seq);
    const round = Array.from({ length: 50 }, (_, i) => 1 + 2 * i);
    assert.deepEqual(seqs.slice(0, 51), [...round, 1], 'the window again from its start');

    const view = await server.request('POST', '/v1/views', { sql: 'CREATE VIEW warm AS SELECT count(*) AS n FROM "readings/device=a" WHERE data.celsius > 50' });
    assert.equal(view.status, 201, JSON.stringify(view.body));
    assert.deepEqual((await server.request('GET', '/v1/views/warm')).body?.rows, [{ n: 50 }]);
    db.prepare('INSERT INTO readings (id, device, at, celsius) VALUES (?, ?, ?, ?)').run(602, 'a', new Date(T0 + 60_200).toISOString(), 99);
    await server.sources.pollNow();
    assert.deepEqual((await server.request('GET', '/v1/views/warm')).body?.rows, [{ n: 51 }]);
  });

  it('names the missing column, the missing file and the WITHOUT ROWID table without an id', async (t) => {
    const { path, db } = readingsFile(t);
    db.exec('CREATE TABLE pairs (a TEXT, b TEXT, at INTEGER, PRIMARY KEY (a, b)) WITHOUT ROWID');
    const server = await startSourceServer(t);
    const cases: [string, string][] = [
      [`sqlite:${path}?table=readings&time=when`, 'source r: table readings has no column "when" (it has id, device, at, celsius): fix time='],
      [`sqlite:${path}?table=nope&time=at`, `source r: table nope does not exist at ${path}: fix table=`],
      [`sqlite:${path}?table=pairs&time=at`, 'source r: pairs has no rowid and no integer primary key: name its integer id column with id='],
      [`sqlite:${path}.missing?table=readings&time=at`, `source r: cannot open the SQLite database ${path}.missing: unable to open database file: fix the path after sqlite:`],
    ];
    for (const [url, message] of cases) {
      await assert.rejects(server.sources.mount('r', url), { name: 'PlayheadError', code: 'invalid_source', message }, url);
    }
  });
});
