/** A real server on a fresh in-memory SQLite store, closed when the test ends. */
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { buildServer } from '../../src/server/app.js';
import type { ServerOptions } from '../../src/server/server-config.js';

export const TEST_NOW = Date.UTC(2026, 0, 1);

export interface TestServer {
  readonly app: FastifyInstance;
  readonly store: EventStore;
  readonly bus: InProcessBus;
  readonly clock: VirtualClock;
}

export async function startTestServer(t: TestContext, options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const store = options.store ?? (await openStore('sqlite::memory:'));
  const bus = new InProcessBus();
  const clock = new VirtualClock(TEST_NOW);
  const app = await buildServer({ store, bus, clock, ...options });
  t.after(async () => {
    await app.close();
    await store.close();
  });
  return { app, store, bus, clock };
}
