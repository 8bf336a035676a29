/**
 * The cluster bus benchmark: ingest-to-delivery latency across two nodes on
 * the NATS bus and on the PostgreSQL LISTEN/NOTIFY bus, in the same run.
 * Node A ingests into one channel of a PostgreSQL store; a live subscriber
 * (LiveTail) on A and one on node B record when each event reaches them.
 * The two nodes run in this process (two store pools, two bus connections),
 * so B's figure includes sharing A's event loop, not a network hop.
 *
 *   npx tsx bench/cluster-bus.ts [--buses nats,postgres] [--batches N] [--rate R] [--events-per-batch E] [--event-bytes B] [--postgres-url URL] [--nats-url URL]
 *
 * Phases per bus: `paced` (R batches/s, one at a time), `flood` (as fast
 * as 8 batches in flight go; the store's commits bound it) and `bus_only`
 * (A publishes made-up batches straight on the bus, no store, in bursts of
 * 100 per loop turn: what the bus itself carries). Every figure is one JSON
 * line on stdout; progress goes to stderr.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { systemClock } from '../src/core/clock.js';
import { Ingestor } from '../src/ingest/ingestor.js';
import type { LiveBus } from '../src/live/live-bus.js';
import { NatsBus } from '../src/live/nats/nats-bus.js';
import { MAX_NOTIFY_PAYLOAD_BYTES, PostgresBus } from '../src/live/postgres/postgres-bus.js';
import { LiveTail } from '../src/playback/live-tail.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { quoteIdentifier } from '../src/store/postgres/postgres-sql.js';
import { cleanupOnSignals, onCleanup, runCleanup } from './support/cleanup.js';
import { round, summarize } from './support/stats.js';

const BUSES = ['nats', 'postgres'] as const;
type BusName = (typeof BUSES)[number];
const WARMUP_BATCHES = 50;
const FLOOD_IN_FLIGHT = 8;
const CHANNEL = 'bench';
const DRAIN_TIMEOUT_MS = 30_000;
const RAW_CHANNEL = 'bench-raw';
const RAW_BURST = 100;
const RAW_BATCHES_PER_BATCH = 10;

const { values } = parseArgs({
  options: {
    buses: { type: 'string', default: BUSES.join(',') },
    batches: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '200' },
    'events-per-batch': { type: 'string', default: '10' },
    'event-bytes': { type: 'string', default: '100' },
    'postgres-url': { type: 'string', default: process.env.PLAYHEAD_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'nats-url': { type: 'string', default: process.env.PLAYHEAD_BENCH_NATS ?? 'nats://127.0.0.1:4222' },
  },
});

const positive = (name: string, text: string) => {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`--${name} must be a positive integer, got "${text}"`);
  return value;
};
const settings = Object.freeze({
  buses: values.buses.split(',').map((name) => {
    if (!(BUSES as readonly string[]).includes(name)) throw new RangeError(`--buses takes ${BUSES.join(', ')}, got "${name}"`);
    return name as BusName;
  }),
  batches: positive('batches', values.batches),
  rate: positive('rate', values.rate),
  eventsPerBatch: positive('events-per-batch', values['events-per-batch']),
  eventBytes: positive('event-bytes', values['event-bytes']),
  postgresUrl: values['postgres-url'],
  natsUrl: values['nats-url'],
});

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Node {
  readonly ingestor: Ingestor;
  /** performance.now() when each seq reached this node's subscriber. */
  readonly arrivals: Map<number, number>;
  readonly bus: LiveBus;
}

/** `--batches` x 10 made-up batches published on A's bus; B's bare subscription notes when each arrives. */
async function busOnly(name: BusName, a: Node, b: Node, batchBytes: number): Promise<void> {
  const count = settings.batches * RAW_BATCHES_PER_BATCH;
  const data = 'x'.repeat(settings.eventBytes);
  const sample = Array.from({ length: settings.eventsPerBatch }, (_, i) => ({ channel: RAW_CHANNEL, seq: i + 1, ts: Date.now(), id: null, data: { i, data } }));
  // The bus's own envelope (sender id, channel) around the stored events: what must fit a NOTIFY.
  const wireBytes = Buffer.byteLength(JSON.stringify({ o: randomUUID(), c: RAW_CHANNEL, e: sample }));
  if (name === 'postgres' && wireBytes > MAX_NOTIFY_PAYLOAD_BYTES) {
    console.log(JSON.stringify({ metric: 'bus_only', bus: name, skipped: true, reason: `a ${wireBytes}-byte batch is over NOTIFY's ${MAX_NOTIFY_PAYLOAD_BYTES} bytes and travels as a hint: only a store read (flood, paced) delivers it` }));
    return;
  }
  const sentAt = new Float64Array(count);
  const arrivedAt = new Float64Array(count);
  let arrived = 0;
  const stop = b.bus.subscribe(RAW_CHANNEL, (events) => {
    const now = performance.now();
    for (const event of events) {
      const index = Math.floor((event.seq - 1) / settings.eventsPerBatch);
      if (index >= count || arrivedAt[index] !== 0) continue;
      arrivedAt[index] = now;
      arrived += 1;
    }
  });
  // NATS forgets what is published before the server knows B's new subscription; PostgreSQL LISTENs from the start.
  if (b.bus instanceof NatsBus) await b.bus.flush();
  log(`${name} bus_only: ${count} batches of ${settings.eventsPerBatch}`);
  const began = performance.now();
  for (let first = 0; first < count; first += RAW_BURST) {
    for (let index = first; index < Math.min(count, first + RAW_BURST); index += 1) {
      const events = Array.from({ length: settings.eventsPerBatch }, (_, i) => ({ channel: RAW_CHANNEL, seq: index * settings.eventsPerBatch + i + 1, ts: Date.now(), id: null, data: { i, data } }));
      sentAt[index] = performance.now();
      a.bus.publish(RAW_CHANNEL, events);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (arrived < count && performance.now() < deadline) await sleep(5);
  stop();
  if (arrived === 0) throw new Error(`${name}: no made-up batch reached node B in ${DRAIN_TIMEOUT_MS} ms`);
  const seconds = (Math.max(...arrivedAt) - began) / 1_000;
  const latencies = Array.from(arrivedAt, (at, i) => at - (sentAt[i] as number)).filter((_, i) => (arrivedAt[i] as number) > 0);
  const summary = summarize(latencies);
  console.log(JSON.stringify({
    metric: 'bus_only', bus: name, batches: count, events_per_batch: settings.eventsPerBatch, batch_json_bytes: batchBytes,
    arrived: arrived, batches_per_s: round(arrived / seconds, 0), events_per_s: round(arrived * settings.eventsPerBatch / seconds, 0),
    p50_ms: summary.p50, p99_ms: summary.p99, max_ms: summary.max,
  }));
}

async function openNode(schema: string, bus: LiveBus): Promise<Node> {
  const store = await PostgresStore.open({ connectionString: settings.postgresUrl, schema });
  const arrivals = new Map<number, number>();
  const tail = new LiveTail({
    channel: CHANNEL, reader: store, bus,
    deliver: (events) => {
      const now = performance.now();
      for (const event of events) arrivals.set(event.seq, now);
      return true;
    },
    onError: (error) => log(`subscriber failed: ${String(error)}`),
  });
  await tail.start(undefined);
  onCleanup(`node on ${schema}`, async () => {
    tail.stop();
    await bus.close();
    await store.close();
  });
  return { ingestor: new Ingestor({ writer: store, bus, clock: systemClock }), arrivals, bus };
}

function openBus(name: BusName, prefix: string, nodeId: string): Promise<LiveBus> {
  return name === 'nats'
    ? NatsBus.connect({ servers: settings.natsUrl, subjectPrefix: prefix, nodeId })
    : PostgresBus.connect({ connectionString: settings.postgresUrl, channelPrefix: prefix, nodeId });
}

/** Ingests `count` batches on A and returns, per batch, its start time and first seq. */
async function ingest(a: Node, count: number, mode: 'paced' | 'flood'): Promise<{ start: number; firstSeq: number; size: number }[]> {
  const data = 'x'.repeat(settings.eventBytes);
  const batch = Array.from({ length: settings.eventsPerBatch }, (_, i) => ({ data: { i, data } }));
  const sent: { start: number; firstSeq: number; size: number }[] = [];
  const one = async () => {
    const start = performance.now();
    const result = await a.ingestor.ingest(CHANNEL, batch);
    const first = result.stored[0];
    if (first !== undefined) sent.push({ start, firstSeq: first.seq, size: result.stored.length });
  };
  if (mode === 'flood') {
    let next = 0;
    await Promise.all(Array.from({ length: FLOOD_IN_FLIGHT }, async () => {
      while (next < count) {
        next += 1;
        await one();
      }
    }));
    return sent;
  }
  const began = performance.now();
  const intervalMs = 1_000 / settings.rate;
  for (let i = 0; i < count; i += 1) {
    // Due times from the start, not from the previous batch (DESIGN: no drift).
    const wait = began + i * intervalMs - performance.now();
    if (wait > 1) await sleep(wait);
    await one();
  }
  return sent;
}

async function drained(node: Node, lastSeq: number): Promise<void> {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (!node.arrivals.has(lastSeq)) {
    if (performance.now() > deadline) throw new Error(`seq ${lastSeq} never arrived (got ${node.arrivals.size})`);
    await sleep(5);
  }
}

async function measure(name: BusName): Promise<void> {
  const id = randomUUID().replaceAll('-', '').slice(0, 12);
  const schema = `playhead_bench_bus_${id}`;
  const admin = new pg.Pool({ connectionString: settings.postgresUrl, max: 1 });
  onCleanup(`schema ${schema}`, async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await admin.end();
  });
  const a = await openNode(schema, await openBus(name, schema, 'a'));
  const b = await openNode(schema, await openBus(name, schema, 'b'));
  const batchBytes = Buffer.byteLength(JSON.stringify(Array.from({ length: settings.eventsPerBatch }, (_, i) => ({ data: { i, data: 'x'.repeat(settings.eventBytes) } }))));
  for (const mode of ['paced', 'flood'] as const) {
    const warm = await ingest(a, WARMUP_BATCHES, mode);
    await drained(b, (warm.at(-1)?.firstSeq ?? 0) + settings.eventsPerBatch - 1);
    log(`${name} ${mode}: ${settings.batches} batches of ${settings.eventsPerBatch}`);
    const began = performance.now();
    const sent = await ingest(a, settings.batches, mode);
    const lastSeq = Math.max(...sent.map((each) => each.firstSeq + each.size - 1));
    await drained(b, lastSeq);
    await drained(a, lastSeq);
    const seconds = (Math.max(...[...b.arrivals.values()]) - began) / 1_000;
    const local: number[] = [];
    const remote: number[] = [];
    const hop: number[] = [];
    for (const { start, firstSeq, size } of sent) {
      for (let seq = firstSeq; seq < firstSeq + size; seq += 1) {
        const atA = a.arrivals.get(seq) as number;
        const atB = b.arrivals.get(seq) as number;
        local.push(atA - start);
        remote.push(atB - start);
        hop.push(atB - atA);
      }
    }
    const [l, r, h] = [summarize(local), summarize(remote), summarize(hop)];
    console.log(JSON.stringify({
      metric: 'bus_ingest_to_delivery', bus: name, mode, batches: settings.batches, events_per_batch: settings.eventsPerBatch, batch_json_bytes: batchBytes,
      ...(mode === 'paced' ? { rate_batches_per_s: settings.rate } : { in_flight: FLOOD_IN_FLIGHT, remote_events_per_s: round(sent.length * settings.eventsPerBatch / seconds, 0) }),
      local_p50_ms: l.p50, local_p99_ms: l.p99, remote_p50_ms: r.p50, remote_p99_ms: r.p99, remote_max_ms: r.max, hop_p50_ms: h.p50, hop_p99_ms: h.p99,
    }));
  }
  await busOnly(name, a, b, batchBytes);
}

cleanupOnSignals();
try {
  for (const name of settings.buses) {
    await measure(name);
    // One bus at a time: the first one's connections and heartbeats are gone before the second is timed.
    await runCleanup();
  }
} finally {
  await runCleanup();
}
