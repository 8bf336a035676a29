/**
 * The load generator, run as its own process:
 *   node --import tsx bench/scenes-support/scene-load.ts --udp-port P --scene-index I
 *     [--senders 10] [--objects 1000] [--rate 40] [--seconds 20] [--warmup 0] [--pack 1]
 * `senders` UDP sockets each own objects/senders objects and send each one's
 * whole transform `rate` times a second, `pack` records per datagram (1: one
 * datagram per update), on an absolute schedule with the senders' phases
 * spread over the period. Each record's event time is the wall clock at send,
 * and its location x the tick it belongs to, so receivers can leave out the
 * first `warmup` seconds (JIT and buffers settling in every process).
 * Waits for a stdin line, runs, prints {"sent":N,"warmupSent":N,...}
 * (`sent`: after the warm-up).
 */
import { createSocket, type Socket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startLoadMonitor } from '../playback-support/process-load.js';
import { sleepUntilWallMs, wallNowMs } from '../playback-support/wall-clock.js';
import { HEADER_BYTES, RECORD_BYTES, recordView, writeHeader, writeRecord } from '../../src/scenes/scene-datagram.js';
import { clockOffsetMs } from './clock-offset.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' }, 'udp-port': { type: 'string' }, 'scene-index': { type: 'string', default: '1' },
    senders: { type: 'string', default: '10' }, objects: { type: 'string', default: '1000' }, rate: { type: 'string', default: '40' },
    seconds: { type: 'string', default: '20' }, warmup: { type: 'string', default: '0' }, pack: { type: 'string', default: '1' },
  },
  strict: true,
});
const host = values.host as string;
const port = Number(values['udp-port']);
const sceneIndex = Number(values['scene-index']);
const senders = Number(values.senders);
const objects = Number(values.objects);
const periodMs = 1_000 / Number(values.rate);
const warmupTicks = Math.round(Number(values.warmup) * Number(values.rate));
const ticks = warmupTicks + Math.round(Number(values.seconds) * Number(values.rate));
const pack = Math.max(1, Number(values.pack));
const perSender = Math.ceil(objects / senders);
const floats = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];

const sockets: Socket[] = [];
for (let i = 0; i < senders; i += 1) {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()));
  try {
    socket.setSendBufferSize(4 << 20);
  } catch {
    // Capped by net.core.wmem_max.
  }
  sockets.push(socket);
}

await new Promise<void>((resolve) => {
  const lines = createInterface({ input: process.stdin });
  lines.once('line', () => {
    lines.close();
    resolve();
  });
});
const load = startLoadMonitor();
const startMs = wallNowMs() + 50;
let sent = 0;
let warmupSent = 0;
let lateMsMax = 0;
/** One step of the schedule: sender s at tick t, due at start + t * period + s * period / senders. */
for (let step = 0; step < ticks * senders; step += 1) {
  const tick = Math.floor(step / senders);
  const sender = step % senders;
  const dueMs = startMs + tick * periodMs + (sender * periodMs) / senders;
  await sleepUntilWallMs(dueMs);
  if (tick >= warmupTicks) lateMsMax = Math.max(lateMsMax, wallNowMs() - dueMs);
  const first = sender * perSender + 1;
  const last = Math.min(objects, first + perSender - 1);
  for (let object = first; object <= last; object += pack) {
    const records = Math.min(pack, last - object + 1);
    const bytes = Buffer.allocUnsafe(HEADER_BYTES + records * RECORD_BYTES);
    writeHeader(bytes, 0, sceneIndex, 0);
    const view = recordView(bytes);
    const now = wallNowMs();
    for (let r = 0; r < records; r += 1) {
      floats[0] = tick;
      writeRecord(view, HEADER_BYTES + r * RECORD_BYTES, object + r, tick + 1, now, floats);
    }
    (sockets[sender] as Socket).send(bytes, port, host);
    if (tick < warmupTicks) warmupSent += records;
    else sent += records;
  }
}
// Let the last sends leave the socket before reporting.
await new Promise((resolve) => setTimeout(resolve, 100));
process.stdout.write(`${JSON.stringify({ sent, warmupSent, ticks, lateMsMax: Math.round(lateMsMax * 1000) / 1000, load: load.stop(), clockOffsetMs: clockOffsetMs() })}\n`);
for (const socket of sockets) socket.close();
// stdin stays open (the bench holds it): exit once the answer is written (pipes are synchronous on Linux).
process.exit(0);
