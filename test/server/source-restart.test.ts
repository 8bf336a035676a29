/**
 * Sources across a restart of the real `playhead serve` process: a source
 * mounted by POST /v1/sources is remounted at the next start on the same
 * store file, DELETE forgets it, a stored source that cannot be mounted is
 * logged without stopping the start, and `--config FILE` mounts the file's
 * sources beside `--source` flags, with errors that name the bad field.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/cli-process.js';

const T0 = Date.UTC(2018, 2, 7);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A folder with `readings.db` (20 rows, devices a and b) and the path for a store file. */
function folder(t: TestContext): { dir: string; readings: string; store: string } {
  const dir = mkdtempSync(join(tmpdir(), 'playhead-source-restart-'));
  const readings = join(dir, 'readings.db');
  const db = new Database(readings);
  db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, device TEXT NOT NULL, at INTEGER NOT NULL, celsius REAL); CREATE INDEX readings_at ON readings (device, at)');
  const insert = db.prepare('INSERT INTO readings (id, device, at, celsius) VALUES (?, ?, ?, ?)');
  for (let i = 1; i <= 20; i += 1) insert.run(i, i % 2 === 0 ? 'a' : 'b', T0 + i * 1_000, i);
  db.close();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, readings, store: `sqlite:${join(dir, 'store.db')}` };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** `playhead serve` on a free port, keeping everything it prints (the start's log lines come before "listening"). */
async function serve(t: TestContext, args: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--scene-udp-port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  t.after(() => stop(child));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match !== null) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stdout}${stderr}`)));
  });
  const server = { child, url };
  const json = async (method: string, path: string, body?: unknown) => {
    const reply = await fetch(`${server.url}${path}`, {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await reply.text();
    return { status: reply.status, body: (text === '' ? null : JSON.parse(text)) as Record<string, unknown> };
  };
  return { ...server, json, stop: () => stop(server.child), output: () => ({ stdout, stderr }) };
}

const names = (body: Record<string, unknown> | null) => (body?.sources as { name: string }[]).map((source) => source.name);

describe('sources across a restart of playhead serve', () => {
  it('remounts a source mounted by POST at the next start, and forgets it after DELETE', async (t) => {
    const { readings, store } = folder(t);
    const first = await serve(t, ['--store', store]);
    const url = `sqlite:${readings}?table=readings&time=at&unit=ms&key=device`;
    assert.equal((await first.json('POST', '/v1/sources', { name: 'readings', url })).status, 201);
    await first.stop();

    const second = await serve(t, ['--store', store]);
    assert.deepEqual(names((await second.json('GET', '/v1/sources')).body), ['readings']);
    const page = await second.json('GET', '/v1/channels/readings%2Fdevice%3Da/events?limit=3');
    assert.deepEqual((page.body.events as { seq: number }[]).map((event) => event.seq), [2, 4, 6]);
    // The stored definitions hold URLs (maybe with passwords): clients see no such channel.
    const hidden = await second.json('GET', '/v1/channels/playhead.sources/events');
    assert.equal(hidden.status, 404);
    const channels = (await second.json('GET', '/v1/channels')).body.channels as { name: string }[];
    assert.ok(!channels.some((channel) => channel.name === 'playhead.sources'));
    assert.equal((await second.json('DELETE', '/v1/sources/readings')).status, 204);
    await second.stop();

    const third = await serve(t, ['--store', store]);
    assert.deepEqual(names((await third.json('GET', '/v1/sources')).body), []);
  });

  it('starts without a stored source whose table is gone, logs why, and lets DELETE forget it', async (t) => {
    const { readings, store } = folder(t);
    const first = await serve(t, ['--store', store]);
    assert.equal((await first.json('POST', '/v1/sources', { name: 'readings', url: `sqlite:${readings}?table=readings&time=at&unit=ms` })).status, 201);
    await first.stop();
    rmSync(readings);

    const second = await serve(t, ['--store', store]);
    assert.deepEqual(names((await second.json('GET', '/v1/sources')).body), []);
    assert.match(second.output().stderr, /playhead: stored source readings not mounted: source readings: cannot open the SQLite database .*readings\.db.*\(the definition is kept and tried again every 30 s; DELETE \/v1\/sources\/readings forgets it\)/);
    const again = await second.json('POST', '/v1/sources', { name: 'readings', url: `sqlite:${readings}?table=readings&time=at` });
    assert.equal((again.body.error as { code: string }).code, 'source_exists');
    assert.equal((await second.json('DELETE', '/v1/sources/readings')).status, 204);
    await second.stop();

    const third = await serve(t, ['--store', store]);
    assert.equal(third.output().stderr, '', 'nothing left to remount');
  });

  it('mounts the sources of --config beside --source flags, URL or object form', async (t) => {
    const { dir, readings, store } = folder(t);
    const config = join(dir, 'playhead.json');
    writeFileSync(config, JSON.stringify({
      sources: {
        all: `sqlite:${readings}?table=readings&time=at`,
        devices: { url: `sqlite:${readings}`, table: 'readings', time: 'at', unit: 'ms', key: 'device', poll: 500 },
      },
    }));
    const server = await serve(t, ['--store', store, '--config', config, '--source', `flagged=sqlite:${readings}?table=readings&time=at`]);
    const list = (await server.json('GET', '/v1/sources')).body.sources as { name: string; url: string; live: { pollIntervalMs: number } }[];
    assert.deepEqual(list.map((source) => [source.name, source.live.pollIntervalMs]), [['all', 1_000], ['devices', 500], ['flagged', 1_000]]);
    assert.equal(list[1]?.url, `sqlite:${readings}?table=readings&time=at&unit=ms&key=device&poll=500`);
    await server.stop();
    // Config and flag sources are given at every start: they are not stored.
    const bare = await serve(t, ['--store', store]);
    assert.deepEqual(names((await bare.json('GET', '/v1/sources')).body), []);
  });

  it('refuses a config file with a bad field, naming the file and the field', async (t) => {
    const { dir, readings } = folder(t);
    const config = join(dir, 'playhead.json');
    const run = async (content: unknown) => {
      writeFileSync(config, typeof content === 'string' ? content : JSON.stringify(content));
      const result = await runCli(['serve', '--port', '0', '--store', 'sqlite::memory:', '--config', config]);
      assert.equal(result.code, 1);
      return result.stderr.trim();
    };
    assert.equal(await run({ sources: { trips: { url: `sqlite:${readings}`, table: 'readings', time: 5 } } }),
      `playhead: invalid_source: ${config}: sources.trips.time must be a non-empty string, got 5`);
    assert.equal(await run({ sources: { trips: { url: `sqlite:${readings}`, tabel: 'readings' } } }),
      `playhead: invalid_source: ${config}: sources.trips.tabel is not a source field: the fields are url, table, time, id, key, unit, poll, late, notify, sslmode, application_name, connect_timeout`);
    assert.equal(await run({ sources: { trips: { table: 'readings' } } }),
      `playhead: invalid_source: ${config}: sources.trips.url must be a source URL like postgres://host/db, sqlite:./file.db or dynamodb://region/table, got nothing`);
    assert.equal(await run({ sources: { trips: { url: `sqlite:${readings}?table=readings`, table: 'readings' } } }),
      `playhead: invalid_source: ${config}: sources.trips.table is given in the url too: give it once`);
    assert.equal(await run({ sources: [] }),
      `playhead: invalid_source: ${config}: sources must be an object mapping each source name to its URL (or to {"url": ..., "table": ..., "time": ...}), got []`);
    assert.equal(await run({ source: {} }), `playhead: ${config}: unknown field "source": the config file takes sources`);
    assert.match(await run('{"sources": '), new RegExp(`^playhead: ${config} is not JSON: `));
    assert.equal(await run({ sources: { trips: { url: `sqlite:${readings}`, table: 'readings' } } }),
      'playhead: invalid_source: source trips: the URL needs &time=COLUMN: the column holding each row\'s event time');
  });
});
