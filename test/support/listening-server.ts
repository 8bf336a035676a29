/** A real server listening on a free port (for WebSocket tests), with its store, closed when the test ends. */
import type { TestContext } from 'node:test';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import type { ServerOptions } from '../../src/server/server-config.js';
import { openStore } from '../../src/store/open-store.js';

export async function startListeningServer(t: TestContext, options: Partial<ServerOptions> = {}) {
  const store = await openStore('sqlite::memory:');
  const bus = new InProcessBus();
  const app = await buildServer({ store, bus, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  t.after(async () => {
    await app.close();
    await store.close();
  });
  const post = (channel: string, events: unknown[]) => fetch(`http://127.0.0.1:${port}/v1/channels/${channel}/events`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events),
  });
  return { app, store, bus, port, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}`, post };
}
