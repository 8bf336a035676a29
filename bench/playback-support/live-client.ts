/**
 * The live ingest-to-delivery client, run as its own process:
 *   node --import tsx bench/playback-support/live-client.ts --ws-url URL --post-url URL
 *     [--rate 200] [--seconds 10] [--max-in-flight 64]
 * Subscribes live (the per-channel endpoint, sending nothing), waits for the
 * `live` state, then POSTs one event per request (node:http, keep-alive) on
 * an absolute schedule of `rate` per second, each carrying its send wall
 * time in `data`. Latency =
 * receive wall time - send wall time, both read in this process. Prints one
 * JSON summary line.
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { summarize, type LatencySummary } from '../support/stats.js';
import { startLoadMonitor } from './process-load.js';
import { sleepUntilWallMs, wallNowMs } from './wall-clock.js';

interface LiveMessage {
  readonly type: string;
  readonly status?: string;
  readonly data?: { readonly i?: number; readonly sentWallMs?: number };
}

const LIVE_STATE_TIMEOUT_MS = 5_000;
const DRAIN_MS = 5_000;

const { values } = parseArgs({
  options: {
    'ws-url': { type: 'string' },
    'post-url': { type: 'string' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    'max-in-flight': { type: 'string', default: '64' },
  },
  strict: true,
});
if (values['ws-url'] === undefined || values['post-url'] === undefined) throw new Error('--ws-url and --post-url are required');
const wsUrl: string = values['ws-url'];
const postUrl: string = values['post-url'];
const rate = Number(values.rate);
const total = Math.round(rate * Number(values.seconds));
const maxInFlight = Number(values['max-in-flight']);

const latencies: number[] = [];
const seen = new Set<number>();
const acks: number[] = [];
let duplicates = 0;
let liveSeen: () => void = () => {};
let received: () => void = () => {};

const socket = new WebSocket(wsUrl, { perMessageDeflate: false });
socket.on('message', (raw) => {
  const at = wallNowMs();
  const message = JSON.parse(raw.toString()) as LiveMessage;
  if (message.type === 'state' && message.status === 'live') liveSeen();
  if (message.type !== 'event') return;
  const { i, sentWallMs } = message.data ?? {};
  if (i === undefined || sentWallMs === undefined) return;
  if (seen.has(i)) {
    duplicates += 1;
    return;
  }
  seen.add(i);
  latencies.push(at - sentWallMs);
  if (seen.size === total) received();
});

const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });

/** POSTs one JSON body; resolves with the status once the reply is read. */
function post(body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(postUrl, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', reject);
    });
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

function summary(samples: readonly number[]): LatencySummary | null {
  return samples.length === 0 ? null : summarize(samples);
}

async function main(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no live state within ${LIVE_STATE_TIMEOUT_MS} ms`)), LIVE_STATE_TIMEOUT_MS);
    liveSeen = () => {
      clearTimeout(timer);
      resolve();
    };
    socket.once('error', reject);
  });
  const allReceived = new Promise<void>((resolve) => { received = resolve; });
  const load = startLoadMonitor();
  let inFlight = 0;
  let accepted = 0;
  let skipped = 0;
  let failed = 0;
  const pending: Promise<void>[] = [];
  const gapMs = 1_000 / rate;
  const startMs = wallNowMs() + 20;
  for (let i = 0; i < total; i += 1) {
    await sleepUntilWallMs(startMs + i * gapMs);
    if (inFlight >= maxInFlight) {
      skipped += 1;
      continue;
    }
    inFlight += 1;
    const sentWallMs = wallNowMs();
    pending.push(post(JSON.stringify({ data: { i, sentWallMs } })).then((status) => {
      acks.push(wallNowMs() - sentWallMs);
      if (status >= 200 && status < 300) accepted += 1;
      else failed += 1;
    }, () => {
      failed += 1;
    }).finally(() => {
      inFlight -= 1;
    }));
  }
  await Promise.all(pending);
  const drained = await Promise.race([allReceived.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), DRAIN_MS))]);
  const processLoad = load.stop();
  socket.terminate();
  agent.destroy();
  process.stdout.write(`${JSON.stringify({
    posted: total - skipped, accepted, failed, skipped, received: seen.size, duplicates, drained,
    latency: summary(latencies), ack: summary(acks), ...processLoad,
  })}\n`);
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`live client failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
