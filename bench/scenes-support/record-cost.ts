/**
 * The recording worker's own cost per update, without the relay or the
 * other processes:
 *   node --import tsx bench/scenes-support/record-cost.ts [--updates 400000] [--batch 500]
 * Batches of `--batch` updates of 1,000 objects, made before the measured
 * stretch (the delivery thread fills them, not the worker), go through the
 * post to the worker (a structured clone with the numbers transferred: both
 * halves, the delivery thread's and the worker's) and what the worker
 * thread does with each (scene-append-worker.ts: decode to events, append
 * to a SQLite file in one transaction), in this thread. Prints one JSON
 * line: CPU µs per update (user and system) and the file's size per update.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { NewEvent } from '../../src/core/event.js';
import { decodeRequest, updatesRequest } from '../../src/scenes/append-batch-message.js';
import { SceneObject } from '../../src/scenes/scene-object.js';
import { SceneUpdate } from '../../src/scenes/scene-update.js';
import { UpdateBatch } from '../../src/scenes/update-batch.js';
import { openStore } from '../../src/store/open-store.js';

const { values } = parseArgs({ options: { updates: { type: 'string', default: '400000' }, batch: { type: 'string', default: '500' } }, strict: true });
const OBJECTS = 1_000;
const RATE_HZ = 40;
const batchSize = Number(values.batch);
const objects = Array.from({ length: OBJECTS }, (_, i) => new SceneObject(`o${i + 1}`, i + 1, null, null));
const tmp = mkdtempSync(join(tmpdir(), 'playhead-record-cost-'));
const path = join(tmp, 'scenes.db');
const store = await openStore(`sqlite:${path}`);
const names = new Map<string, string>();
const nameJson = (name: string) => names.get(name) ?? (names.set(name, JSON.stringify(name)), JSON.stringify(name));
let next = 0;

/** The next batch, as the load makes it: every object in turn, 40 times a second of event time. */
function nextBatch(): UpdateBatch {
  const batch = UpdateBatch.withCapacity(batchSize);
  for (let i = 0; i < batchSize; i += 1, next += 1) {
    const tick = Math.floor(next / OBJECTS);
    // Float32 values, as binary datagrams carry them (their JSON is up to 9 digits longer than the float64 one).
    const floats = [tick * 0.01, next % 7, 0.5, 0, 0, 0.38268343, 0.9238795, 1, 1, 1].map(Math.fround);
    batch.add(new SceneUpdate(objects[next % OBJECTS] as SceneObject, tick + 1, 1_700_000_000_000 + (tick * 1_000) / RATE_HZ, floats, 1 + (next % 10)));
  }
  return batch;
}

async function run(batches: readonly UpdateBatch[]): Promise<void> {
  for (const batch of batches) {
    const events: NewEvent[] = [];
    const request = updatesRequest(0, 'scene.cost', batch);
    decodeRequest(structuredClone(request, { transfer: [batch.values.buffer] }), events, nameJson);
    await store.append('scene.cost', events);
  }
}

const batchesOf = (updates: number) => Array.from({ length: Math.ceil(updates / batchSize) }, nextBatch);
const updates = Number(values.updates);
await run(batchesOf(updates / 4)); // warm-up: JIT
const measured = batchesOf(updates);
const sizeBefore = statSync(path).size;
const cpu = process.cpuUsage();
const wallStart = performance.now();
await run(measured);
const used = process.cpuUsage(cpu);
const wallMs = performance.now() - wallStart;
await store.close();
const per = (us: number) => Math.round((us / updates) * 100) / 100;
process.stdout.write(`${JSON.stringify({
  bench: 'scenes-record-cost', updates, batch: batchSize,
  cpu_us_per_update: per(used.user + used.system), user_us_per_update: per(used.user), system_us_per_update: per(used.system),
  wall_us_per_update: per(wallMs * 1_000), file_bytes_per_update: Math.round((statSync(path).size - sizeBefore) / updates),
})}\n`);
rmSync(tmp, { recursive: true, force: true });
