/**
 * Scene receivers, run as their own process:
 *   node --import tsx bench/scenes-support/scene-receivers.ts --kind udp|ws --count 10
 *     --target playhead|bare --host 127.0.0.1 --udp-port P [--http-url URL] [--scene bench] [--warmup-ticks 0]
 * UDP receivers register to Playhead over HTTP (binary format) and send a
 * heartbeat every second, or say hello to the bare relay; WebSocket
 * receivers join the scene with `{"action":"scene","format":"binary"}`.
 * Every record's event time is the sender's wall clock at send
 * (wall-clock.ts), so latency = receive wall time - record time; records of
 * the load's warm-up ticks (location x below --warmup-ticks) are only
 * counted, as `warmupReceived`. Prints
 * {"ready":true,"clockOffsetMs":N} (clock-offset.ts), then, on any stdin
 * line, a JSON summary.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startLoadMonitor } from '../playback-support/process-load.js';
import { wallNowMs } from '../playback-support/wall-clock.js';
import { HEADER_BYTES, RECORD_BYTES, writeHeader } from '../../src/scenes/scene-datagram.js';
import { clockOffsetMs } from './clock-offset.js';
import { LatencyHistogram } from './latency-histogram.js';

const { values } = parseArgs({
  options: {
    kind: { type: 'string' }, count: { type: 'string', default: '10' }, target: { type: 'string', default: 'playhead' },
    host: { type: 'string', default: '127.0.0.1' }, 'udp-port': { type: 'string' }, 'http-url': { type: 'string' }, scene: { type: 'string', default: 'bench' },
    'warmup-ticks': { type: 'string', default: '0' },
  },
  strict: true,
});
const kind = values.kind as 'udp' | 'ws';
const count = Number(values.count);
const host = values.host as string;
const udpPort = Number(values['udp-port']);
const HEARTBEAT_MS = 1_000;
const TIME_OFFSET = 8;
/** Location x: the load generator's tick. */
const TICK_OFFSET = 16;
const warmupTicks = Number(values['warmup-ticks']);

const histogram = new LatencyHistogram();
let received = 0;
let warmupReceived = 0;
let payloads = 0;
const timers: NodeJS.Timeout[] = [];
const sockets: Socket[] = [];
const clients: WebSocket[] = [];

/** The worst latency of each second since the first record (where in the run the tail is: a start-up backlog or all along). */
const secondMaxMs: number[] = [];
let firstAtMs = 0;

function read(bytes: Buffer): void {
  const at = wallNowMs();
  let second = -1;
  let worstMs = 0;
  for (let offset = HEADER_BYTES; offset + RECORD_BYTES <= bytes.length; offset += RECORD_BYTES) {
    if (bytes.readFloatLE(offset + TICK_OFFSET) < warmupTicks) {
      warmupReceived += 1;
      continue;
    }
    if (second < 0) {
      if (firstAtMs === 0) firstAtMs = at;
      second = Math.floor((at - firstAtMs) / 1_000);
      worstMs = secondMaxMs[second] ?? 0;
    }
    const latencyMs = at - bytes.readDoubleLE(offset + TIME_OFFSET);
    histogram.add(latencyMs);
    if (latencyMs > worstMs) worstMs = latencyMs;
    received += 1;
  }
  if (second < 0) return;
  secondMaxMs[second] = worstMs;
  payloads += 1;
}

async function openUdp(): Promise<void> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()));
  try {
    socket.setRecvBufferSize(4 << 20);
  } catch {
    // Capped by net.core.rmem_max: the default buffer, fewer bursts absorbed.
  }
  socket.on('message', read);
  const address = `${host}:${socket.address().port}`;
  if (values.target === 'bare') {
    socket.send(Buffer.from('hello'), udpPort, host);
    return;
  }
  const response = await fetch(`${values['http-url']}/v1/scenes/${values.scene}/devices`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ udp: address, format: 'binary' }),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  const device = (await response.json()) as { index: number; sceneIndex: number };
  const heartbeat = Buffer.alloc(HEADER_BYTES);
  writeHeader(heartbeat, 0, device.sceneIndex, device.index);
  timers.push(setInterval(() => socket.send(heartbeat, udpPort, host), HEARTBEAT_MS));
}

async function openWs(): Promise<void> {
  const wsUrl = (values['http-url'] as string).replace(/^http/, 'ws');
  const client = new WebSocket(`${wsUrl}/v1/ws`, { perMessageDeflate: false });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  const joined = new Promise<void>((resolve) => {
    client.on('message', (data, isBinary) => {
      if (isBinary) read(data as Buffer);
      else if ((JSON.parse(data.toString()) as { type: string }).type === 'scene') resolve();
    });
  });
  client.send(JSON.stringify({ action: 'scene', scene: values.scene, format: 'binary' }));
  await joined;
}

for (let i = 0; i < count; i += 1) await (kind === 'udp' ? openUdp() : openWs());
const load = startLoadMonitor();
process.stdout.write(`${JSON.stringify({ ready: true, clockOffsetMs: clockOffsetMs() })}\n`);
const lines = createInterface({ input: process.stdin });
lines.once('line', () => {
  lines.close();
  const maxMsPerSecond = Array.from(secondMaxMs, (ms) => Math.round((ms ?? 0) * 10) / 10);
  const summary = { kind, receivers: count, received, warmupReceived, payloads, latency: histogram.figures(), maxMsPerSecond, load: load.stop() };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  for (const timer of timers) clearInterval(timer);
  for (const socket of sockets) socket.close();
  for (const client of clients) client.terminate();
  process.exit(0);
});
