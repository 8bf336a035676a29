/** What `buildServer` needs: injected store, bus and clock, plus limits and auth. */
import type { FastifyServerOptions } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { IngestLimits } from '../ingest/ingestor.js';
import type { Leases } from '../live/leases.js';
import type { LiveBus } from '../live/live-bus.js';
import type { PlaybackConfig } from '../playback/playback-session.js';
import type { EventStore } from '../store/event-store.js';
import type { TimelineDefinition } from '../timeline/timeline-registry.js';
import type { SourceRegistry } from '../store/sources/source-registry.js';
import type { FeedLimits } from '../feeds/feed-config.js';
import type { FeedRuleDefinition } from '../feeds/feed-rule.js';
import type { FeedStore } from '../store/feed-store.js';
import type { AccessPolicy } from './auth/access-policy.js';
import type { WebSocketLimits } from './ws/ws-connection.js';
import type { SceneRegistryConfig } from '../scenes/scene-registry.js';

export interface ServerLimits extends IngestLimits {
  /** Largest request body, in bytes. @default 16 MiB */
  readonly maxBodyBytes: number;
  /** Most events one GET page returns. @default 10,000 */
  readonly maxPageEvents: number;
}

export const SERVER_LIMIT_DEFAULTS = Object.freeze({ maxBodyBytes: 16 << 20, maxPageEvents: 10_000 });

export interface ServerOptions {
  readonly store: EventStore;
  readonly bus: LiveBus;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Tokens and scopes; when absent every route is open. */
  readonly access?: AccessPolicy;
  readonly limits?: Partial<ServerLimits>;
  /** WebSocket frame, send-buffer and subscription limits. */
  readonly websocket?: Partial<WebSocketLimits>;
  /** Playback paging and state-message settings. */
  readonly playback?: Partial<PlaybackConfig>;
  /** Folder of the built dashboard (web/dist), served at `/`. */
  readonly dashboardDir?: string;
  /** Refuse to play channels that have no events (catches typos). @default false */
  readonly requireExistingChannels?: boolean;
  /** Timeline definitions created at start unless a timeline of that name exists: the demo's. @default none */
  readonly timelines?: readonly TimelineDefinition[];
  /** View definitions (CREATE VIEW ...) created at start unless a view of that name exists: the demo's. @default none */
  readonly views?: readonly string[];
  /** Scenes: the UDP input port and the registry's settings. */
  readonly scenes?: SceneServerOptions;
  /** Mounted tables (docs/sources.md): enables /v1/sources. `store` must then route to them (RoutingStore). */
  readonly sources?: SourceRegistry;
  /** Where feeds live; the CLI opens it from the same URL as `store`. @default an in-memory SQLite feed store */
  readonly feeds?: FeedStore;
  /** Feed bounds, item and page limits. */
  readonly feedLimits?: Partial<FeedLimits>;
  /** Feed rules created at start unless a rule of the same name exists (the demo's). */
  readonly feedRules?: readonly FeedRuleDefinition[];
  /** This node's id, shown by GET /v1/cluster. @default "local" */
  readonly nodeId?: string;
  /** Which node computes each view, runs each feed rule and writes each timeline's checkpoints; the caller closes them. @default this node runs all (LocalLeases) */
  readonly leases?: Leases;
  /** Fastify/pino logger options. @default false */
  readonly logger?: FastifyServerOptions['logger'];
}

export interface SceneServerOptions {
  /** UDP port for scene datagrams (0 picks a free one); no UDP socket when omitted. The CLI's default is 8081. */
  readonly udpPort?: number;
  /** Address the UDP socket binds. @default "127.0.0.1" */
  readonly udpHost?: string;
  /**
   * The URL of `store` (a SQLite file or a database server) for a worker
   * thread that appends scene updates with its own connection, so delivery
   * never waits on storage (docs/scenes.md). @default none: appended in the server's thread
   */
  readonly recordStoreUrl?: string;
  readonly config?: Partial<SceneRegistryConfig>;
}

/** Per-route access rule, read by the auth hook. */
export interface RouteAccess {
  readonly action: 'read' | 'write' | 'admin' | 'public';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}
