/**
 * The delivery thread's own cost per update, without the kernel and the
 * other processes (which make bench/scenes.ts's latencies the scheduler's
 * on a shared machine):
 *   node --import tsx bench/scenes-support/delivery-cost.ts [--updates 400000] [--record]
 * Binary datagrams of 21 records, 5 per loop turn, go straight into a
 * SceneRegistry whose 10 "UDP" (1,200-byte) and 10 "WebSocket" (64 KiB)
 * devices only count what they get; with --record, batches go to an
 * appender that answers at once, so the figure holds what recording costs
 * this thread (the append itself is the worker's). Prints one JSON line:
 * CPU µs per update and the main thread's GC time.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { systemClock } from '../../src/core/clock.js';
import type { NewEvent } from '../../src/core/event.js';
import { storedUpdates, type AppendedBatch, type SceneAppender } from '../../src/scenes/scene-appender.js';
import { HEADER_BYTES, RECORD_BYTES, recordView, writeHeader, writeRecord } from '../../src/scenes/scene-datagram.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { SceneRegistry } from '../../src/scenes/scene-registry.js';
import type { SceneTransport } from '../../src/scenes/scene-transport.js';
import type { UpdateBatch } from '../../src/scenes/update-batch.js';
import { openStore } from '../../src/store/open-store.js';

const { values } = parseArgs({ options: { updates: { type: 'string', default: '400000' }, record: { type: 'boolean', default: false } }, strict: true });
const OBJECTS = 1_000;
const PER_DATAGRAM = 21;
const DATAGRAMS_PER_TURN = 5;
const DEVICES_PER_KIND = 10;
const US_PER_MS = 1_000;

class CountingTransport implements SceneTransport {
  readonly address: string;
  readonly heartbeats = false;
  bytes = 0;
  constructor(readonly kind: string, readonly maxPayloadBytes: number, index: number) {
    this.address = `${kind}-${index}`;
  }
  writable(): boolean {
    return true;
  }
  send(payload: Buffer): void {
    this.bytes += payload.length;
  }
  closed(): void {
    // Nothing to release.
  }
}

/** Answers every batch at once, with the stored events a worker's answer gives: what is left is this thread's share of recording. */
class AnsweringAppender implements SceneAppender {
  #seq = 0;
  async appendUpdates(channel: string, batch: UpdateBatch): Promise<AppendedBatch> {
    const stored = storedUpdates(channel, batch, this.#seq + 1, batch.length);
    this.#seq += batch.length;
    return { accepted: batch.length, stored };
  }
  async appendEvents(_channel: string, events: readonly NewEvent[]): Promise<AppendedBatch> {
    return { accepted: events.length, stored: [] };
  }
  async close(): Promise<void> {
    // Holds nothing.
  }
}

const store = await openStore('sqlite::memory:');
// The bus serve gives it: stored events are published on it (no one listens here).
const registry = new SceneRegistry({ reader: store, writer: store, bus: new InProcessBus(), clock: systemClock, appender: new AnsweringAppender(), config: { record: values.record, deviceTimeoutMs: 600_000 } });
await registry.load();
const scene = await registry.createScene('cost');
for (let i = 1; i <= OBJECTS; i += 1) await registry.createObject('cost', { name: `o${i}` });
for (let i = 0; i < DEVICES_PER_KIND; i += 1) {
  registry.registerDevice('cost', new CountingTransport('udp', 1_200, i), { format: 'binary', snapshot: false });
  registry.registerDevice('cost', new CountingTransport('ws', 64 << 10, i), { format: 'binary', snapshot: false });
}
const floats = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
const datagrams: Buffer[] = [];
for (let first = 1; first <= OBJECTS; first += PER_DATAGRAM) {
  const count = Math.min(PER_DATAGRAM, OBJECTS - first + 1);
  const bytes = Buffer.alloc(HEADER_BYTES + count * RECORD_BYTES);
  writeHeader(bytes, 0, scene.index, 0);
  const view = recordView(bytes);
  for (let r = 0; r < count; r += 1) writeRecord(view, HEADER_BYTES + r * RECORD_BYTES, first + r, 0, 1_700_000_000_000, floats);
  datagrams.push(bytes);
}

let gcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});

async function run(updates: number): Promise<void> {
  let sent = 0;
  let next = 0;
  while (sent < updates) {
    for (let d = 0; d < DATAGRAMS_PER_TURN; d += 1) {
      const datagram = datagrams[next % datagrams.length] as Buffer;
      next += 1;
      registry.receiveDatagram(datagram, '10.0.0.1:1');
      sent += (datagram.length - HEADER_BYTES) / RECORD_BYTES;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await registry.flush();
}

const updates = Number(values.updates);
await run(updates / 4); // warm-up: JIT
observer.observe({ entryTypes: ['gc'] });
const cpu = process.cpuUsage();
const wallStart = performance.now();
await run(updates);
const used = process.cpuUsage(cpu);
const wallMs = performance.now() - wallStart;
observer.disconnect();
process.stdout.write(`${JSON.stringify({
  bench: 'scenes-delivery-cost', record: values.record, updates,
  cpu_us_per_update: Math.round(((used.user + used.system) / updates) * 100) / 100,
  wall_us_per_update: Math.round(((wallMs * US_PER_MS) / updates) * 100) / 100,
  gc_ms: Math.round(gcMs), accepted: registry.stats('cost').accepted,
})}\n`);
await registry.close();
await store.close();
