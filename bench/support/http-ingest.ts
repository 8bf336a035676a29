/**
 * The end-to-end ingest figure: the real server (buildServer, an in-process
 * bus) on 127.0.0.1, fed NDJSON batches by a separate client process.
 */
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import type { EventStore } from '../../src/store/event-store.js';
import { runJsonClient } from './run-json-client.js';

export interface HttpIngestPlan {
  readonly channel: string;
  readonly requests: number;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly warmup: number;
  readonly seed: number;
}

export interface ClientResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly requests: number;
  readonly seconds: number;
}

const CLIENT = fileURLToPath(new URL('./ingest-client.ts', import.meta.url));

export async function measureHttpIngest(store: EventStore, plan: HttpIngestPlan): Promise<ClientResult> {
  const bus = new InProcessBus();
  const app = await buildServer({ store, bus });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    return await runClient([
      '--url', `http://127.0.0.1:${port}/v1/channels/${plan.channel}/events`,
      '--requests', String(plan.requests),
      '--batch-size', String(plan.batchSize),
      '--concurrency', String(plan.concurrency),
      '--warmup', String(plan.warmup),
      '--seed', String(plan.seed),
    ]);
  } finally {
    await app.close();
    await bus.close();
  }
}

function runClient(args: readonly string[]): Promise<ClientResult> {
  return runJsonClient<ClientResult>(CLIENT, args, 'ingest client');
}
