/**
 * bench:cluster (issue #11): several `playhead serve` processes on one
 * PostgreSQL schema, beside one node in the same run.
 *
 * - Latency: one event per POST at a steady rate to node n0, each carrying
 *   its send time; a live WebSocket subscriber on every node records when
 *   it arrives. Figures for the subscriber on the ingesting node and on the
 *   others: one node on the local bus, then N nodes on NATS.
 * - Fail-over: a feed rule's owner, then a view's, is SIGKILLed while
 *   events are posted to a survivor every 20 ms; the figure is the time from
 *   the kill to the first event posted after the kill showing in the
 *   survivor's result (its feed, written by the new owner; its view rows,
 *   computed by the new owner), with the given --takeover.
 * - Timeline reads: the value of a key asked of the node that evaluates the
 *   timeline, and of another node, which forwards the read to it over HTTP.
 *
 *   npm run bench:cluster -- [--nodes 3] [--events 2000] [--rate 200] [--takeover 10s] [--failovers 3]
 *
 * Prints one JSON line per figure on stdout; progress on stderr.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import WebSocket from 'ws';
import { quoteIdentifier } from '../src/store/postgres/postgres-sql.js';
import { startServeProcess } from '../test/support/cli-process.js';
import { DEFAULT_POSTGRES_URL } from './support/bench-options.js';
import { cleanupOnSignals, onCleanup, runCleanup } from './support/cleanup.js';
import { summarize } from './support/stats.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    events: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '200' },
    takeover: { type: 'string', default: '10s' },
    failovers: { type: 'string', default: '3' },
    postgres: { type: 'string', default: process.env.PLAYHEAD_BENCH_POSTGRES ?? DEFAULT_POSTGRES_URL },
    nats: { type: 'string', default: process.env.PLAYHEAD_BENCH_NATS ?? 'nats://127.0.0.1:4222' },
  },
});
const NODES = Number(values.nodes);
const EVENTS = Number(values.events);
const RATE = Number(values.rate);
const WARMUP = Math.min(200, Math.floor(EVENTS / 5));
const json = { 'content-type': 'application/json' };

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const print = (metric: string, fields: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ bench: 'cluster', metric, ...fields })}\n`);
const progress = (message: string) => process.stderr.write(`[bench:cluster] ${message}\n`);

async function freshStore(admin: pg.Pool): Promise<string> {
  const schema = `playhead_bench_cluster_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  onCleanup(`drop schema ${schema}`, async () => void (await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`)));
  return `${values.postgres}?schema=${schema}`;
}

interface ServeNode {
  readonly id: string;
  readonly url: string;
  readonly child: ChildProcess;
}

async function cluster(admin: pg.Pool, count: number, bus: string, extra: readonly string[] = []): Promise<ServeNode[]> {
  const store = await freshStore(admin);
  const nodes: ServeNode[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = `n${i}`;
    const { child, url } = await startServeProcess(['--store', store, '--bus', bus, '--node-id', id, ...extra]);
    onCleanup(`stop node ${id}`, () => void child.kill('SIGKILL'));
    nodes.push({ id, url, child });
  }
  return nodes;
}

function stop(nodes: readonly ServeNode[]): void {
  for (const node of nodes) node.child.kill('SIGKILL');
}

/** Delivery latency per subscriber node, ms, for events posted to nodes[0]. */
async function latency(nodes: readonly ServeNode[]): Promise<number[][]> {
  const samples = nodes.map(() => [] as number[]);
  const sockets = await Promise.all(nodes.map((node, index) => new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(`${node.url.replace('http:', 'ws:')}/v1/channels/lat/ws`);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; status?: string; data?: { sentAt: number; n: number } };
      if (message.type === 'state' && message.status === 'live') resolve(socket);
      if (message.type === 'event' && message.data !== undefined && message.data.n >= WARMUP) samples[index]?.push(now() - message.data.sentAt);
    });
    socket.once('error', reject);
  })));
  const gapMs = 1_000 / RATE;
  const start = now();
  for (let n = 0; n < EVENTS + WARMUP; n += 1) {
    const due = start + n * gapMs;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    void post(nodes[0] as ServeNode, { data: { sentAt: now(), n } });
  }
  const deadline = Date.now() + 10_000;
  while (samples.some((each) => each.length < EVENTS) && Date.now() < deadline) await sleep(50);
  for (const socket of sockets) socket.terminate();
  return samples;
}

/** Posts without waiting for the answer (the rate is the producer's, not the server's), reporting failures. */
async function post(node: ServeNode, event: unknown): Promise<void> {
  try {
    const reply = await fetch(`${node.url}/v1/channels/lat/events`, { method: 'POST', headers: json, body: JSON.stringify(event) });
    if (reply.status !== 201) progress(`POST answered ${reply.status}: ${await reply.text()}`);
  } catch (error) {
    progress(`POST failed: ${String(error)}`);
  }
}

function latencyFigure(setup: string, where: string, samples: readonly number[]): void {
  print('delivery_latency', { setup, subscriber: where, delivered: samples.length, sent: EVENTS, ...summarize(samples), rate: RATE });
}

/** Round trips of `GET /v1/timelines/fwd/keys/k3?at=` to the timeline's owner and to another node (forwarded), alternating, ms. */
async function timelineReads(nodes: readonly ServeNode[]): Promise<void> {
  const first = nodes[0] as ServeNode;
  const created = await fetch(`${first.url}/v1/timelines`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'fwd', channel: 'fwd', key: 'data.k', query: 'latest_event_to_state(v)' }) });
  if (created.status !== 201) throw new Error(`POST /v1/timelines answered ${created.status}: ${await created.text()}`);
  const events = Array.from({ length: 100 }, (_, n) => ({ data: { k: `k${n % 10}`, v: n } }));
  await fetch(`${first.url}/v1/channels/fwd/events`, { method: 'POST', headers: json, body: JSON.stringify(events) });
  const owner = await leaseHolder(first, 'timeline:fwd', nodes);
  const other = nodes.find((node) => node !== owner) as ServeNode;
  const read = async (node: ServeNode): Promise<number> => {
    const began = now();
    const reply = await fetch(`${node.url}/v1/timelines/fwd/keys/k3?at=${Date.now()}`);
    await reply.text();
    return reply.ok ? now() - began : Number.NaN;
  };
  while (Number.isNaN(await read(owner)) || Number.isNaN(await read(other))) await sleep(50);
  const [direct, forwarded] = [[] as number[], [] as number[]];
  for (let n = 0; n < 500; n += 1) {
    direct.push(await read(owner));
    forwarded.push(await read(other));
  }
  print('timeline_read', { setup: `${nodes.length} nodes, NATS`, asked: 'owner', ...summarize(direct) });
  print('timeline_read', { setup: `${nodes.length} nodes, NATS`, asked: 'other node (forwarded)', ...summarize(forwarded) });
}

async function leaseHolder(asked: ServeNode, lease: string, nodes: readonly ServeNode[]): Promise<ServeNode> {
  for (;;) {
    const { leases } = (await (await fetch(`${asked.url}/v1/cluster`)).json()) as { leases: Record<string, string> };
    const holder = nodes.find((node) => node.id === leases[lease]);
    if (holder !== undefined) return holder;
    await sleep(50);
  }
}

/** Stateful work that moves with its lease: how to make it, its lease, and how far a survivor's result has got (the newest event number in it). */
interface OwnedWork {
  readonly kind: string;
  readonly lease: string;
  readonly channel: string;
  create(url: string): Promise<Response>;
  newestIn(url: string): Promise<number>;
}

const FEED_RULE: OwnedWork = {
  kind: 'feed rule', lease: 'feed-rule:fo', channel: 'fo',
  create: (url) => fetch(`${url}/v1/feeds/rules`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'fo', channel: 'fo', feed: 'k:{data.k}', id: 'id', maxItems: 10_000 }) }),
  newestIn: async (url) => {
    const page = (await (await fetch(`${url}/v1/feeds/k:x?limit=1`)).json()) as { items: string[] };
    return Number((page.items[0] ?? 'e-1').slice(1));
  },
};

/** Events are numbered from 0, so the view's count minus one is the newest event it holds. */
const VIEW: OwnedWork = {
  kind: 'view', lease: 'view:fov', channel: 'fov',
  create: (url) => fetch(`${url}/v1/views`, { method: 'POST', headers: json, body: JSON.stringify({ sql: 'CREATE VIEW fov AS SELECT count(*) AS n FROM fov' }) }),
  newestIn: async (url) => {
    const reply = await fetch(`${url}/v1/views/fov`);
    if (!reply.ok) return -1;
    const { rows } = (await reply.json()) as { rows: { n: number }[] };
    return (rows[0]?.n ?? 0) - 1;
  },
};

async function failover(admin: pg.Pool, work: OwnedWork): Promise<void> {
  const nodes = await cluster(admin, NODES, values.nats, ['--takeover', values.takeover]);
  await work.create(nodes[0]?.url as string);
  const owner = await leaseHolder(nodes[0] as ServeNode, work.lease, nodes);
  const survivor = nodes.find((node) => node !== owner) as ServeNode;
  let posted = 0;
  let posting = true;
  const producer = (async () => {
    while (posting) {
      await fetch(`${survivor.url}/v1/channels/${work.channel}/events`, { method: 'POST', headers: json, body: JSON.stringify({ id: `e${posted}`, data: { k: 'x' } }) });
      posted += 1;
      await sleep(20);
    }
  })();
  await sleep(1_000);
  const firstAfterKill = posted + 1;
  const killedAt = now();
  owner.child.kill('SIGKILL');
  let movedAt: number | undefined;
  for (;;) {
    if ((await work.newestIn(survivor.url)) >= firstAfterKill) break;
    if (movedAt === undefined) {
      const { leases } = (await (await fetch(`${survivor.url}/v1/cluster`)).json()) as { leases: Record<string, string> };
      if (leases[work.lease] !== undefined && leases[work.lease] !== owner.id) movedAt = now();
    }
    if (now() - killedAt > 60_000) throw new Error(`no fail-over of the ${work.kind} within 60 s`);
    await sleep(10);
  }
  const resultAt = now();
  posting = false;
  await producer;
  print('failover', { work: work.kind, nodes: NODES, takeover: values.takeover, lease_moved_ms: movedAt === undefined ? null : Math.round(movedAt - killedAt), first_result_ms: Math.round(resultAt - killedAt) });
  stop(nodes);
}

async function main(): Promise<void> {
  cleanupOnSignals();
  const admin = new pg.Pool({ connectionString: values.postgres, max: 1 });
  onCleanup('close the admin pool', () => admin.end());
  progress(`one node, local bus: ${EVENTS} events at ${RATE}/s`);
  const single = await cluster(admin, 1, 'local');
  const [alone] = await latency(single);
  latencyFigure('1 node, local bus', 'ingesting node', alone ?? []);
  stop(single);
  progress(`${NODES} nodes on NATS: ${EVENTS} events at ${RATE}/s to n0, a subscriber on each node`);
  const several = await cluster(admin, NODES, values.nats);
  const [ingesting, ...others] = await latency(several);
  latencyFigure(`${NODES} nodes, NATS`, 'ingesting node', ingesting ?? []);
  latencyFigure(`${NODES} nodes, NATS`, 'other nodes', others.flat());
  progress('timeline reads: asked of the owner, and of another node that forwards them');
  await timelineReads(several);
  stop(several);
  for (let run = 1; run <= Number(values.failovers); run += 1) {
    for (const work of [FEED_RULE, VIEW]) {
      progress(`fail-over ${run} of a ${work.kind}: ${NODES} nodes, --takeover ${values.takeover}`);
      await failover(admin, work);
    }
  }
}

main().then(runCleanup, async (error: unknown) => {
  process.stderr.write(`[bench:cluster] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  await runCleanup();
  process.exitCode = 1;
});
