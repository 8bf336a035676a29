/**
 * `playhead serve`: opens the store, optionally loads the demo channels,
 * and listens. Refuses a non-loopback address without tokens unless told
 * `--insecure`, so nobody exposes an open event log by accident.
 */
import { isIP } from 'node:net';
import { join } from 'node:path';
import { systemClock } from '../core/clock.js';
import { Ingestor } from '../ingest/ingestor.js';
import { InProcessBus } from '../live/in-process/in-process-bus.js';
import { buildServer } from '../server/app.js';
import { AccessPolicy } from '../server/auth/access-policy.js';
import { openFeedStore, openStore } from '../store/open-store.js';
import { loadDemo } from './load-demo.js';
import { DEMO_FEED_RULES } from './demo-feed-rules.js';
import { packageRoot } from './package-root.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly store: string;
  readonly demo: boolean;
  readonly tokens?: string;
  readonly insecure: boolean;
  readonly logLevel: string;
  readonly maxBodyBytes?: number;
  readonly requireExistingChannels: boolean;
}

/** Pending connections the kernel queues while we accept: a connect storm of thousands must not be refused (DESIGN fan-out). */
const LISTEN_BACKLOG = 4_096;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export async function serve(options: ServeOptions): Promise<void> {
  if (!isLoopback(options.host) && options.tokens === undefined && !options.insecure) {
    throw new Error(`refusing to listen on ${options.host} without --tokens FILE: anyone who can reach it could read and write every channel (pass --insecure to do it anyway)`);
  }
  const access = options.tokens === undefined ? undefined : AccessPolicy.fromFile(options.tokens);
  const store = await openStore(options.store);
  const bus = new InProcessBus();
  const feeds = await openFeedStore(options.store);
  if (options.demo) {
    const ingestor = new Ingestor({ writer: store, bus, clock: systemClock });
    for (const summary of await loadDemo(ingestor)) {
      console.log(`demo: ${summary.channel}: ${summary.records} events (${summary.accepted} new)`);
    }
  }
  const app = await buildServer({
    store, bus, access, feeds,
    feedRules: options.demo ? DEMO_FEED_RULES : [],
    dashboardDir: join(packageRoot(), 'web', 'dist'),
    logger: { level: options.logLevel },
    requireExistingChannels: options.requireExistingChannels,
    limits: options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes },
  });
  const shutdown = async () => {
    await app.close();
    await store.close();
    await feeds.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ host: options.host, port: options.port, backlog: LISTEN_BACKLOG });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  console.log(`Playhead listening on http://${host}:${port} (store ${options.store}${access === undefined ? '' : ', tokens required'})`);
}
