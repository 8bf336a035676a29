/**
 * `playhead serve` processes sharing a fresh PostgreSQL schema and NATS, as
 * the cluster tests run them: when the test ends every node is killed, then
 * the schema is dropped (in that order, so no node reads a dropped schema).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import type pg from 'pg';
import { quoteIdentifier } from '../../src/store/postgres/postgres-sql.js';
import { startServeProcess } from './cli-process.js';
import { POSTGRES_TEST_URL, serviceSkip } from './services.js';

export const NATS_TEST_URL = process.env.PLAYHEAD_TEST_NATS ?? 'nats://127.0.0.1:4222';

/** Why a cluster test cannot run here (PostgreSQL or NATS absent), or false. */
export async function clusterSkip(): Promise<string | false> {
  return (await serviceSkip('PostgreSQL', POSTGRES_TEST_URL)) || (await serviceSkip('NATS', NATS_TEST_URL.replace('nats:', 'http:')));
}

export interface ServeNode {
  readonly id: string;
  readonly url: string;
  readonly child: ChildProcess;
}

/** Starts nodes on one new schema; `start` adds one later. `args` go to every node. */
export async function serveCluster(t: TestContext, admin: pg.Pool, label: string, ids: readonly string[], args: readonly string[] = []) {
  const schema = `playhead_${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const started: ServeNode[] = [];
  t.after(async () => {
    started.forEach((node) => node.child.kill('SIGKILL'));
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  });
  const start = async (id: string): Promise<ServeNode> => {
    const node = { id, ...(await startServeProcess(['--store', `${POSTGRES_TEST_URL}?schema=${schema}`, '--bus', NATS_TEST_URL, '--node-id', id, ...args])) };
    started.push(node);
    return node;
  };
  const nodes: ServeNode[] = [];
  for (const id of ids) nodes.push(await start(id));
  return { nodes, start };
}

/** Reads until `done` holds (a read that throws counts as not done); fails with the last value after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch((error: unknown) => error as T);
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: last ${value instanceof Error ? value.message : JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The lease holders GET /v1/cluster shows on `url`, by lease name. */
export async function leasesOn(url: string): Promise<Record<string, string>> {
  return ((await (await fetch(`${url}/v1/cluster`)).json()) as { leases: Record<string, string> }).leases;
}
