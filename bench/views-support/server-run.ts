/**
 * The server figure: `buildServer` with an sqlite store on a file in a fresh
 * temp folder (WAL, synchronous=FULL: the served settings) and an
 * in-process bus, on 127.0.0.1, with top_editors created over HTTP before
 * the first event; the producer/subscriber is its own process
 * (views-client.ts). Everything is removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/open-store.js';
import { onCleanup } from '../support/cleanup.js';
import { TOP_EDITORS_SQL, rowsText, type TopEditorRow } from './top-editors.js';
import type { ViewsClientResult } from './views-client.js';
import { runJsonClient } from '../support/run-json-client.js';

const CLIENT = fileURLToPath(new URL('./views-client.ts', import.meta.url));

export interface ServerRunPlan {
  readonly copies: number;
  readonly batchSize: number;
  readonly concurrency: number;
  /** No new request is started after this, s. */
  readonly budgetSeconds: number;
}

export interface ServerRunResult extends ViewsClientResult {
  /** Rows of GET /v1/views/top_editors after the run, as `rowsText`. */
  readonly servedRows: string;
}

export async function runServer(plan: ServerRunPlan): Promise<ServerRunResult> {
  const tmpDir = mkdtempSync(join(tmpdir(), 'playhead-bench-views-'));
  const removeDir = onCleanup(`remove ${tmpDir}`, () => rmSync(tmpDir, { recursive: true, force: true }));
  const store = await openStore(`sqlite:${join(tmpDir, 'views.db')}`);
  const closeStore = onCleanup('close the store', () => store.close());
  const bus = new InProcessBus();
  const app = await buildServer({ store, bus });
  const closeApp = onCleanup('close the server', async () => {
    await app.close();
    await bus.close();
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const created = await app.inject({ method: 'POST', url: '/v1/views', payload: { sql: TOP_EDITORS_SQL } });
    if (created.statusCode !== 201) throw new Error(`POST /v1/views answered ${created.statusCode}: ${created.body}`);
    const result = await runClient([
      '--base', `http://127.0.0.1:${port}`,
      '--copies', String(plan.copies),
      '--batch-size', String(plan.batchSize),
      '--concurrency', String(plan.concurrency),
      '--budget-seconds', String(plan.budgetSeconds),
    ]);
    const served = await app.inject({ method: 'GET', url: '/v1/views/top_editors' });
    return { ...result, servedRows: rowsText((served.json() as { rows: TopEditorRow[] }).rows) };
  } finally {
    await closeApp();
    await closeStore();
    await removeDir();
  }
}

function runClient(args: readonly string[]): Promise<ViewsClientResult> {
  return runJsonClient<ViewsClientResult>(CLIENT, args, 'views client');
}
