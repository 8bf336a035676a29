/**
 * Two nodes on one bus, as the bus tests build them: each its own store
 * connection on a shared PostgreSQL schema, its own bus, an ingestor and a
 * live subscriber of channel `c`; and the checks they share.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { systemClock } from '../../src/core/clock.js';
import { Ingestor } from '../../src/ingest/ingestor.js';
import type { LiveBus } from '../../src/live/live-bus.js';
import { LiveTail } from '../../src/playback/live-tail.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { POSTGRES_TEST_URL } from './services.js';

const WAIT_MS = 10_000;

export async function until(condition: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Seqs 1..count, each once, in order. */
export function inOrderOnce(seen: readonly number[], count: number): boolean {
  return seen.length === count && seen.every((seq, i) => seq === i + 1);
}

/** A node on `bus` (closed with it): the seqs its subscriber of `c` saw, and an ingestor. */
export async function busNode<B extends LiveBus>(t: TestContext, schema: string, bus: B) {
  const store = await PostgresStore.open({ connectionString: POSTGRES_TEST_URL, schema });
  const seen: number[] = [];
  const tail = new LiveTail({ channel: 'c', reader: store, bus, deliver: (events) => (seen.push(...events.map((e) => e.seq)), true), onError: (error) => assert.fail(String(error)) });
  await tail.start(undefined);
  t.after(async () => {
    tail.stop();
    await bus.close();
    await store.close();
  });
  return { bus, seen, ingestor: new Ingestor({ writer: store, bus, clock: systemClock }) };
}

type BusNode = Awaited<ReturnType<typeof busNode>>;

/** 20 batches of 5, alternating between the nodes: both subscribers see all 100 events once, in seq order. */
export async function ingestOnBoth([a, b]: readonly [BusNode, BusNode]): Promise<void> {
  const batches = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).ingestor.ingest('c', Array.from({ length: 5 }, (_, j) => ({ data: { i, j } }))));
  await Promise.all(batches);
  for (const { seen } of [a, b]) await until(() => seen.length >= 100, () => `${seen.length} of 100`);
  assert.ok(inOrderOnce(a.seen, 100), `node a: ${a.seen.join(',')}`);
  assert.ok(inOrderOnce(b.seen, 100), `node b: ${b.seen.join(',')}`);
}
