/**
 * The HTTP producer of the ingest figure, run as its own process so its CPU
 * is not the server's event loop:
 *   node --import tsx bench/support/ingest-client.ts --url URL --requests N
 *     [--batch-size 1000] [--concurrency 4] [--warmup 10] [--seed 7]
 * Builds every NDJSON body first, sends the warm-up requests one at a time,
 * then the timed ones with `concurrency` in flight, and prints one JSON line:
 * {"accepted":..,"duplicates":..,"requests":..,"seconds":..}.
 */
import { parseArgs } from 'node:util';
import { BENCH_EPOCH_MS, EventStream } from './event-stream.js';

interface AppendReply {
  readonly accepted: number;
  readonly duplicates: number;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    requests: { type: 'string', default: '200' },
    'batch-size': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '10' },
    seed: { type: 'string', default: '7' },
  },
  strict: true,
});
if (values.url === undefined) throw new Error('--url is required');
const url = values.url;
const requests = positiveInteger('requests', values.requests);
const batchSize = positiveInteger('batch-size', values['batch-size']);
const concurrency = positiveInteger('concurrency', values.concurrency);
const warmup = Number(values.warmup);
const seed = positiveInteger('seed', values.seed);

const stream = new EventStream({
  seed, startTs: BENCH_EPOCH_MS, meanGapMs: 10, lateFraction: 0.01, maxLateMs: 5_000, payload: 'rich', idPrefix: `http-${seed}`,
});
const bodies = Array.from({ length: warmup + requests }, () => stream.take(batchSize)
  .map((event) => JSON.stringify({ time: new Date(event.time).toISOString(), id: event.id, data: event.data }))
  .join('\n'));

async function post(body: string): Promise<AppendReply> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as AppendReply;
}

for (const body of bodies.slice(0, warmup)) await post(body);

const timed = bodies.slice(warmup);
let next = 0;
let accepted = 0;
let duplicates = 0;
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < timed.length) {
    const body = timed[next] as string;
    next += 1;
    const reply = await post(body);
    accepted += reply.accepted;
    duplicates += reply.duplicates;
  }
}));
const seconds = (performance.now() - started) / 1_000;
process.stdout.write(`${JSON.stringify({ accepted, duplicates, requests: timed.length, seconds })}\n`);

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`--${name} must be an integer >= 1, got ${text}`);
  return value;
}
