/**
 * `playhead cluster` as a user runs it: three serve nodes on the PostgreSQL
 * bus, an event posted to n1 reaches a WebSocket subscriber on n3, every node
 * lists all three, SIGTERM stops them all, and a node that dies stops the
 * rest with exit code 1.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { runCli } from '../support/cli-process.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../support/services.js';
import { TestClient } from '../support/ws-client.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const skip = await serviceSkip('PostgreSQL', POSTGRES_TEST_URL);
const NODES = 3;
const START_MS = 60_000;

interface RunningCluster {
  readonly child: ChildProcess;
  readonly nodes: readonly { readonly id: string; readonly url: string; readonly pid: number }[];
  output(): string;
}

/** Starts `playhead cluster` on free ports and resolves once it says every node listens. */
async function startCluster(t: TestContext, store: string): Promise<RunningCluster> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'cluster', '--nodes', String(NODES), '--port', '0', '--store', store, '--bus', 'postgres'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk) => (output += chunk));
  const summary = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cluster did not start: ${output}`)), START_MS);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const line = /^\[cluster\] \d+ nodes listening.*$/m.exec(output);
      if (line === null) return;
      clearTimeout(timer);
      resolve(line[0]);
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`cluster exited with ${code}: ${output}`))));
  });
  const nodes = [...summary.matchAll(/(n\d+) (http:\/\/\S+) pid (\d+)/g)].map(([, id, url, pid]) => ({ id: id as string, url: url as string, pid: Number(pid) }));
  // Whatever a test leaves running goes: the cluster and, should it have lost them, its nodes.
  t.after(() => {
    child.kill('SIGKILL');
    for (const { pid } of nodes) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  return { child, nodes, output: () => output };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

describe('playhead cluster', () => {
  it('refuses to start without a PostgreSQL --store, and says why', async () => {
    const result = await runCli(['cluster', '--nodes', '2']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), 'playhead: playhead cluster needs --store postgres://... (none was given): its nodes share one PostgreSQL database, and no local database is assumed; name the database and a schema, e.g. --store \'postgres://postgres@127.0.0.1:5432/test?schema=playhead_cluster\'');
  });

  describe('on PostgreSQL', { skip }, () => {
    const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
    after(() => admin.end());

    function schemaFor(t: TestContext): string {
      const schema = `playhead_cluster_cmd_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      t.after(() => admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`));
      return `${POSTGRES_TEST_URL}?schema=${schema}`;
    }

    it('runs three nodes that share events and membership, with prefixed logs, and stops them all on SIGTERM', { timeout: 90_000 }, async (t) => {
      const store = schemaFor(t);
      const cluster = await startCluster(t, store);
      assert.deepEqual(cluster.nodes.map((node) => node.id), ['n1', 'n2', 'n3']);
      for (const id of ['n1', 'n2', 'n3']) assert.match(cluster.output(), new RegExp(`^\\[${id}\\] Playhead listening on http://`, 'm'), `${id}'s log lines carry its prefix`);
      const [n1, , n3] = cluster.nodes;
      assert.ok(n1 !== undefined && n3 !== undefined);
      const subscriber = await TestClient.connect(`${n3.url.replace('http:', 'ws:')}/v1/channels/c/ws`);
      t.after(() => subscriber.close());
      await subscriber.waitFor((m) => m.type === 'state' && m.status === 'live');
      const posted = await fetch(`${n1.url}/v1/channels/c/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ data: { from: 'n1' } }]) });
      assert.equal(posted.status, 201);
      const event = await subscriber.waitFor((m) => m.type === 'event', 0, 10_000);
      assert.deepEqual([event.seq, event.data], [1, { from: 'n1' }], 'the event posted on n1 reached the subscriber on n3');
      for (const node of cluster.nodes) {
        const deadline = Date.now() + 10_000;
        let listed: { node: string; bus: string; nodes: { id: string }[] };
        do {
          listed = (await (await fetch(`${node.url}/v1/cluster`)).json()) as typeof listed;
          if (listed.nodes.length < NODES) await new Promise((resolve) => setTimeout(resolve, 200));
        } while (listed.nodes.length < NODES && Date.now() < deadline);
        assert.deepEqual([listed.node, listed.bus, listed.nodes.map((each) => each.id)], [node.id, 'postgres', ['n1', 'n2', 'n3']], `GET /v1/cluster on ${node.id}`);
      }
      cluster.child.kill('SIGTERM');
      assert.equal(await exitCode(cluster.child), 0, cluster.output());
      assert.deepEqual(cluster.nodes.filter((node) => alive(node.pid)).map((node) => node.id), [], 'no node outlives the cluster');
    });

    it('stops the other nodes and exits 1 when a node dies on its own', { timeout: 90_000 }, async (t) => {
      const cluster = await startCluster(t, schemaFor(t));
      const n2 = cluster.nodes[1];
      assert.ok(n2 !== undefined);
      process.kill(n2.pid, 'SIGKILL');
      assert.equal(await exitCode(cluster.child), 1, cluster.output());
      assert.match(cluster.output(), /^\[cluster\] n2 exited on its own \(SIGKILL\); stopping the other nodes$/m);
      assert.deepEqual(cluster.nodes.filter((node) => alive(node.pid)).map((node) => node.id), []);
    });
  });
});
