/**
 * The peer figure: NATS JetStream replay at original pace. The same events
 * (`rate` per second for `seconds`) are published in real time into a
 * stream made for the run (so the stored timestamps are `1000/rate` ms
 * apart, as a recording would be), then replayed to a client process with
 * replay_policy "original". The stream is deleted at the end. When NATS or
 * JetStream cannot be reached the figure is skipped with the reason.
 */
import { join } from 'node:path';
import { connect, StorageType, type NatsConnection } from 'nats';
import { ClientProcess } from './client-process.js';
import { onCleanup } from '../support/cleanup.js';
import { progress } from './playback-report.js';
import { REPLAY_EPOCH_MS } from './replay-fixture.js';
import { readSamples } from './sample-file.js';
import { sleepUntilWallMs, wallNowMs } from './wall-clock.js';

export interface NatsReplayPlan {
  readonly servers: string;
  readonly seconds: number;
  readonly rate: number;
  /** Folder for the client's sample files. */
  readonly tmpDir: string;
}

export interface NatsClientSummary {
  readonly received: number;
  readonly expected: number;
  readonly timedOut: boolean;
  readonly storedSpanMs: number;
  readonly receiveSpanMs: number;
  readonly cpuPct: number;
  readonly loopDelayP99Ms: number;
}

export type NatsReplayResult =
  | { readonly skipped: true; readonly reason: string }
  | {
    readonly skipped: false;
    readonly client: NatsClientSummary;
    readonly first: Float64Array;
    readonly least: Float64Array;
    readonly data: Float64Array;
    /** p99 of |publish time - ideal publish time|: how even the recording is. */
    readonly publishLateP99Ms: number;
  };

export async function measureNatsReplay(plan: NatsReplayPlan): Promise<NatsReplayResult> {
  let connection: NatsConnection;
  try {
    connection = await connect({ servers: plan.servers, timeout: 2_000, maxReconnectAttempts: 0 });
  } catch (error) {
    return { skipped: true, reason: `cannot connect to NATS at ${plan.servers}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const closeConnection = onCleanup('close the NATS connection', async () => {
    await connection.close();
  });
  try {
    let manager;
    try {
      manager = await connection.jetstreamManager({ timeout: 2_000 });
    } catch (error) {
      return { skipped: true, reason: `JetStream is not available at ${plan.servers}: ${error instanceof Error ? error.message : String(error)}` };
    }
    const name = `PLAYHEAD_BENCH_${process.pid}_${Date.now()}`;
    const subject = `playhead.bench.${process.pid}.${Date.now()}`;
    const count = plan.seconds * plan.rate;
    await manager.streams.add({ name, subjects: [subject], storage: StorageType.File, max_msgs: count * 2 });
    const deleteStream = onCleanup(`delete NATS stream ${name}`, async () => {
      await manager.streams.delete(name);
    });
    try {
      progress(`nats: publishing ${count} events in real time (${plan.seconds} s) into stream ${name}`);
      const publishLateP99Ms = await publishPaced(connection, subject, count, plan.rate);
      progress('nats: replaying with replay_policy=original');
      const out = join(plan.tmpDir, 'nats');
      const client = new ClientProcess('nats-replay-client.ts', [
        '--servers', plan.servers, '--stream', name, '--expected', String(count), '--seconds', String(plan.seconds), '--out', out,
      ], 'nats replay client');
      const summary = await client.result<NatsClientSummary>(plan.seconds * 1_000 + 60_000);
      return {
        skipped: false, client: summary, publishLateP99Ms,
        first: readSamples(`${out}-first.f64`), least: readSamples(`${out}-least.f64`), data: readSamples(`${out}-data.f64`),
      };
    } finally {
      await deleteStream();
    }
  } finally {
    await closeConnection();
  }
}

async function publishPaced(connection: NatsConnection, subject: string, count: number, rate: number): Promise<number> {
  const js = connection.jetstream();
  const encoder = new TextEncoder();
  const gapMs = 1_000 / rate;
  const lateness: number[] = [];
  const acks: Promise<unknown>[] = [];
  const startMs = wallNowMs() + 20;
  for (let i = 0; i < count; i += 1) {
    const dueMs = startMs + i * gapMs;
    await sleepUntilWallMs(dueMs);
    lateness.push(wallNowMs() - dueMs);
    acks.push(js.publish(subject, encoder.encode(JSON.stringify({ i, ts: REPLAY_EPOCH_MS + Math.round(i * gapMs) }))));
  }
  await Promise.all(acks);
  lateness.sort((a, b) => a - b);
  return Math.round((lateness[Math.ceil(lateness.length * 0.99) - 1] ?? 0) * 1000) / 1000;
}
