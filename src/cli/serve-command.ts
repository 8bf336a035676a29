/**
 * `playhead serve`: opens the store, optionally loads the demo channels,
 * and listens. Refuses a non-loopback address without tokens unless told
 * `--insecure`, so nobody exposes an open event log by accident.
 */
import { isIP } from 'node:net';
import { join } from 'node:path';
import { systemClock } from '../core/clock.js';
import { Ingestor } from '../ingest/ingestor.js';
import { isClusterMembership } from '../live/cluster-membership.js';
import { DEFAULT_BUS_URL, openBus } from '../live/open-bus.js';
import { openLeases } from './open-leases.js';
import { buildServer } from '../server/app.js';
import { AccessPolicy } from '../server/auth/access-policy.js';
import { openFeedStore, openStore } from '../store/open-store.js';
import { DEMO_VIEWS } from './demo-views.js';
import { mountSources } from './mount-sources.js';
import { loadDemo } from './load-demo.js';
import { prepareDemoScenes } from './demo-scenes.js';
import { loadVideoDemo, VIDEO_DEMO_SESSIONS, VIDEO_DEMO_TIMELINES } from './video-demo.js';
import { DEMO_FEED_RULES } from './demo-feed-rules.js';
import { packageRoot } from './package-root.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly store: string;
  /** `local`, a nats:// URL, `postgres` (the store's database) or a postgres:// URL. */
  readonly bus: string;
  readonly nodeId: string;
  /** Longest time from a node's death to another owning its work, ms (several nodes only). */
  readonly takeover?: number;
  /** Where the other nodes reach this one's HTTP API. @default http://HOST:PORT as it listens */
  readonly advertise?: string;
  readonly demo: boolean;
  readonly tokens?: string;
  readonly insecure: boolean;
  readonly logLevel: string;
  readonly maxBodyBytes?: number;
  readonly requireExistingChannels: boolean;
  /** UDP port of scene datagrams (0: a free one). @default 8081 */
  readonly sceneUdpPort?: number;
  /** `NAME=URL` tables to mount read-only (docs/sources.md). */
  readonly source?: readonly string[];
  /** JSON config file; its `sources` are mounted like `--source` flags (docs/sources.md). */
  readonly config?: string;
}

const DEFAULT_SCENE_UDP_PORT = 8081;

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
  const native = await openStore(options.store);
  const leases = await openLeases({ ...options, takeoverMs: options.takeover, onError: (error) => console.error(`lease connection failed (its work moves to another node): ${String(error)}`) });
  const bus = await openBus(options.bus, options.nodeId, options.store);
  const { store, sources } = await mountSources(native, bus, options.source ?? [], options.config);
  const feeds = await openFeedStore(options.store);
  if (options.demo) {
    const ingestor = new Ingestor({ writer: store, bus, clock: systemClock });
    for (const summary of await loadDemo(ingestor)) {
      console.log(`demo: ${summary.channel}: ${summary.records} events (${summary.accepted} new)`);
    }
    const video = await loadVideoDemo(ingestor);
    console.log(`demo: ${video.channel}: ${video.records} events (${video.accepted} new, generated, seed ${VIDEO_DEMO_SESSIONS.seed})`);
  }
  const app = await buildServer({
    store, bus, access, sources, feeds, leases, nodeId: options.nodeId,
    feedRules: options.demo ? DEMO_FEED_RULES : [],
    dashboardDir: join(packageRoot(), 'web', 'dist'),
    logger: { level: options.logLevel },
    requireExistingChannels: options.requireExistingChannels,
    views: options.demo ? DEMO_VIEWS : [],
    timelines: options.demo ? VIDEO_DEMO_TIMELINES : [],
    limits: options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes },
    scenes: {
      udpPort: options.sceneUdpPort ?? DEFAULT_SCENE_UDP_PORT, udpHost: options.host === 'localhost' ? '127.0.0.1' : options.host,
      // A worker thread appends scene updates with its own connection (docs/scenes.md); an in-memory store has no second connection.
      recordStoreUrl: options.store.includes(':memory:') ? undefined : options.store,
    },
  });
  // One pass, not a loop: every update is stored (docs/scenes.md), and a loop left running would grow the store without end; replays loop instead.
  const sceneFeeds = options.demo ? await prepareDemoScenes(app.scenes, systemClock, false) : [];
  for (const { scene, feed } of sceneFeeds) {
    feed.start();
    console.log(`demo: scene ${scene}: ${feed.objects.length} pedestrians live at 40 Hz for ${Math.round(feed.durationMs / 1_000)} s (one pass; replay channel scene.${scene} to see it again)`);
  }
  const shutdown = async () => {
    for (const { feed } of sceneFeeds) feed.stop();
    await app.close();
    await leases.close();
    await sources.close();
    await bus.close();
    await store.close();
    await feeds.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // Under `playhead cluster` the parent holds an IPC channel: when it dies, this node stops rather than live on unseen.
  if (process.send !== undefined) process.once('disconnect', shutdown);
  await app.listen({ host: options.host, port: options.port, backlog: LISTEN_BACKLOG });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  if (isClusterMembership(bus)) bus.advertise(options.advertise ?? `http://${host}:${port}`);
  const cluster = options.bus === DEFAULT_BUS_URL ? '' : `, bus ${options.bus}, node ${options.nodeId}`;
  console.log(`Playhead listening on http://${host}:${port} (store ${options.store}${cluster}${access === undefined ? '' : ', tokens required'})`);
}
