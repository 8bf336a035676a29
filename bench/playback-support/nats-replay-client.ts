/**
 * The peer's replay client, run as its own process like ours:
 *   node --import tsx bench/playback-support/nats-replay-client.ts --servers URL
 *     --stream NAME --expected N --seconds S --out PREFIX
 * Creates a pull consumer on the stream with replay_policy "original"
 * (JetStream re-creates the gaps between the stored message timestamps)
 * and no acks, and consumes it with the library's default batching. (The
 * library's ordered consumer never started against this NATS server,
 * 2.9.10: `consume()` did not resolve, so the consumer is made by hand.)
 * stamps each message with its receive wall time, and writes the errors
 * (timing-errors.ts) to PREFIX-{first,least,data}.f64: `first` and `least`
 * against the stored timestamps, `data` against the event time in the
 * payload (the ideal 10 ms grid, so it also carries the publisher's jitter).
 * Prints one JSON summary line.
 */
import { parseArgs } from 'node:util';
import { AckPolicy, connect, DeliverPolicy, nanos, ReplayPolicy } from 'nats';
import { startLoadMonitor } from './process-load.js';
import { writeSamples } from './sample-file.js';
import { anchorWallMs, appendErrors, type Deliveries } from './timing-errors.js';
import { wallNowMs } from './wall-clock.js';

const NS_PER_MS = 1e6;
const GRACE_MS = 15_000;
/** The server drops the consumer this long after the client goes (the bench also deletes the stream). */
const INACTIVE_THRESHOLD_MS = 60_000;

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: 'nats://127.0.0.1:4222' },
    stream: { type: 'string' },
    expected: { type: 'string' },
    seconds: { type: 'string' },
    out: { type: 'string' },
  },
  strict: true,
});
if (values.stream === undefined || values.expected === undefined || values.seconds === undefined || values.out === undefined) {
  throw new Error('--stream, --expected, --seconds and --out are required');
}
const stream = values.stream;
const expected = Number(values.expected);
const durationMs = Number(values.seconds) * 1_000;
const outPrefix = values.out;

async function main(): Promise<void> {
  const connection = await connect({ servers: values.servers, timeout: 5_000 });
  const manager = await connection.jetstreamManager();
  const consumerName = `playhead_bench_${process.pid}`;
  await manager.consumers.add(stream, {
    name: consumerName, deliver_policy: DeliverPolicy.All, ack_policy: AckPolicy.None, replay_policy: ReplayPolicy.Original,
    inactive_threshold: nanos(INACTIVE_THRESHOLD_MS),
  });
  const consumer = await connection.jetstream().consumers.get(stream, consumerName);
  const receiveWallMs = new Float64Array(expected);
  const storedMs = new Float64Array(expected);
  const dataTsMs = new Float64Array(expected);
  let count = 0;
  const load = startLoadMonitor();
  const messages = await consumer.consume();
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    messages.stop();
  }, durationMs + GRACE_MS);
  for await (const message of messages) {
    const at = wallNowMs();
    receiveWallMs[count] = at;
    storedMs[count] = message.info.timestampNanos / NS_PER_MS;
    dataTsMs[count] = message.json<{ ts: number }>().ts;
    count += 1;
    if (count >= expected) break;
  }
  clearTimeout(deadline);
  const processLoad = load.stop();
  await connection.close();

  const stored: Deliveries = { receiveWallMs, tsMs: storedMs, count };
  const byData: Deliveries = { receiveWallMs, tsMs: dataTsMs, count };
  const storedWindow = { startTs: storedMs[0] ?? 0, speed: 1 };
  const dataWindow = { startTs: dataTsMs[0] ?? 0, speed: 1 };
  const first: number[] = [];
  const least: number[] = [];
  const data: number[] = [];
  appendErrors(stored, storedWindow, anchorWallMs('first', stored, storedWindow), first);
  appendErrors(stored, storedWindow, anchorWallMs('least', stored, storedWindow), least);
  appendErrors(byData, dataWindow, anchorWallMs('first', byData, dataWindow), data);
  writeSamples(`${outPrefix}-first.f64`, first);
  writeSamples(`${outPrefix}-least.f64`, least);
  writeSamples(`${outPrefix}-data.f64`, data);
  const storedSpanMs = count > 1 ? (storedMs[count - 1] as number) - (storedMs[0] as number) : 0;
  const receiveSpanMs = count > 1 ? (receiveWallMs[count - 1] as number) - (receiveWallMs[0] as number) : 0;
  process.stdout.write(`${JSON.stringify({ received: count, expected, timedOut, storedSpanMs, receiveSpanMs, ...processLoad })}\n`);
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`nats replay client failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
