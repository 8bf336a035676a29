/**
 * A listening server whose store routes mounted sources (RoutingStore), for
 * source tests. The registry polls on a VirtualClock that nobody advances, so
 * live polls happen only when a test calls `sources.pollNow()`: deterministic.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import type { ServerOptions } from '../../src/server/server-config.js';
import { openStore } from '../../src/store/open-store.js';
import { RoutingStore } from '../../src/store/sources/routing-store.js';
import { SourceRegistry } from '../../src/store/sources/source-registry.js';

export async function startSourceServer(t: TestContext, options: Partial<ServerOptions> = {}) {
  const native = await openStore('sqlite::memory:');
  const bus = new InProcessBus();
  const liveErrors: string[] = [];
  const sources = new SourceRegistry({
    clock: new VirtualClock(0),
    publish: (channel, events) => bus.publish(channel, events),
    onLiveError: (name, error) => liveErrors.push(`${name}: ${(error as Error).message}`),
  });
  const store = new RoutingStore(native, sources);
  const app = await buildServer({ store, bus, sources, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  t.after(async () => {
    await app.close();
    await sources.close();
    await store.close();
  });
  const http = `http://127.0.0.1:${port}`;
  const request = async (method: string, path: string, body?: unknown) => {
    const reply = await fetch(`${http}${path}`, {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await reply.text();
    return { status: reply.status, body: (text === '' ? null : JSON.parse(text)) as Record<string, unknown> & { error?: { code: string; message: string } } };
  };
  return { app, store, sources, bus, liveErrors, http, ws: `ws://127.0.0.1:${port}`, request };
}

/** A TCP relay to `target` that a test can cut (the database "goes away") and restore. */
export async function startRelay(t: TestContext, target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = createServer((socket) => {
      const upstream = connect(target);
      sockets.add(socket).add(upstream);
      const drop = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  };
  const cut = async () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  };
  await listen();
  t.after(cut);
  return { get port() { return port; }, cut, restore: listen };
}
