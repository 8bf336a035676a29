/**
 * The peer: a bare Node UDP relay in a process of its own:
 *   node --import tsx bench/scenes-support/bare-udp-relay.ts
 * Any datagram that is not a scene datagram registers its sender; every scene
 * datagram's records are packed, per loop turn, into <= 1,200-byte datagrams
 * sent to every registered address (DESIGN: the packed bare relay is the
 * ceiling). No parsing, no state, no store. Prints {"port":N}; on a first stdin
 * line starts measuring, on a second prints its load.
 */
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startLoadMonitor } from '../playback-support/process-load.js';
import { HEADER_BYTES, isBinaryDatagram, RECORD_BYTES } from '../../src/scenes/scene-datagram.js';

const MAX_PAYLOAD_BYTES = 1_200;
const PER_PAYLOAD = Math.floor((MAX_PAYLOAD_BYTES - HEADER_BYTES) / RECORD_BYTES);
const socket = createSocket('udp4');
const targets: { port: number; address: string }[] = [];
let pending: Buffer[] = [];
let scheduled = false;
let relayed = 0;

function flush(): void {
  scheduled = false;
  const inputs = pending;
  pending = [];
  let out = Buffer.allocUnsafe(HEADER_BYTES + PER_PAYLOAD * RECORD_BYTES);
  let records = 0;
  const emit = () => {
    const payload = out.subarray(0, HEADER_BYTES + records * RECORD_BYTES);
    for (const target of targets) socket.send(payload, target.port, target.address);
    out = Buffer.allocUnsafe(HEADER_BYTES + PER_PAYLOAD * RECORD_BYTES);
    records = 0;
  };
  for (const input of inputs) {
    if (records === 0) input.copy(out, 0, 0, HEADER_BYTES);
    for (let offset = HEADER_BYTES; offset + RECORD_BYTES <= input.length; offset += RECORD_BYTES) {
      input.copy(out, HEADER_BYTES + records * RECORD_BYTES, offset, offset + RECORD_BYTES);
      records += 1;
      relayed += 1;
      if (records === PER_PAYLOAD) emit();
    }
  }
  if (records > 0) emit();
}

socket.on('message', (message, remote) => {
  if (!isBinaryDatagram(message)) {
    targets.push({ port: remote.port, address: remote.address });
    return;
  }
  pending.push(message);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
try {
  socket.setRecvBufferSize(4 << 20);
  socket.setSendBufferSize(4 << 20);
} catch {
  // Capped by the OS; same as the server's socket.
}
process.stdout.write(`${JSON.stringify({ port: socket.address().port })}\n`);
let load = startLoadMonitor();
let busy = performance.eventLoopUtilization();
let lineCount = 0;
const lines = createInterface({ input: process.stdin });
// The first stdin line starts the measured stretch, the second ends it.
lines.on('line', () => {
  lineCount += 1;
  if (lineCount === 1) {
    load = startLoadMonitor();
    busy = performance.eventLoopUtilization();
    relayed = 0;
    return;
  }
  const mainThreadBusyPct = Math.round(performance.eventLoopUtilization(busy).utilization * 1000) / 10;
  process.stdout.write(`${JSON.stringify({ relayed, targets: targets.length, load: load.stop(), mainThreadBusyPct })}\n`);
  socket.close();
  lines.close();
  process.exit(0);
});
