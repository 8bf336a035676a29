/**
 * Builds the HTTP server without listening (STYLE "build without
 * listening"): tests call `inject`, the CLI calls `listen`. The server
 * adapts domains to the wire and never reaches into a store's SQL.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock } from '../core/clock.js';
import { PlayheadError } from '../core/errors.js';
import { isClusterMembership } from '../live/cluster-membership.js';
import { LocalLeases } from '../live/in-process/local-leases.js';
import { INGEST_DEFAULTS, Ingestor } from '../ingest/ingestor.js';
import { registerAuth } from './auth/auth-hooks.js';
import { registerBodyParsers } from './body-parsers.js';
import { mapError } from './error-reply.js';
import { registerChannelRoutes } from './routes/channel-routes.js';
import { registerDashboard } from './routes/dashboard-route.js';
import { registerClusterRoute } from './routes/cluster-route.js';
import { registerHealthRoute } from './routes/health-route.js';
import { registerSourceRoutes } from './routes/source-routes.js';
import { registerViewRoutes } from './routes/view-routes.js';
import { registerTimelineRoutes } from './routes/timeline-routes.js';
import { TimelineRegistry } from '../timeline/timeline-registry.js';
import { registerFeeds } from './register-feeds.js';
import { TimelineOwner } from './timeline-owner.js';
import { ViewRegistry } from '../views/view-registry.js';
import { SERVER_LIMIT_DEFAULTS, type ServerLimits, type ServerOptions } from './server-config.js';
import { attachWebSocketGateway } from './ws/websocket-gateway.js';
import { WEBSOCKET_DEFAULTS } from './ws/ws-connection.js';
import { SceneRegistry } from '../scenes/scene-registry.js';
import { WorkerAppender } from '../scenes/worker-appender.js';
import { registerSceneRoutes } from './routes/scene-routes.js';
import { SceneUdpServer } from './udp/scene-udp-server.js';

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const limits: ServerLimits = Object.freeze({ ...INGEST_DEFAULTS, ...SERVER_LIMIT_DEFAULTS, ...options.limits });
  const clock = options.clock ?? systemClock;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.maxBodyBytes,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  });

  app.setErrorHandler((error, request, reply) => {
    const mapped = mapError(error, limits);
    if (mapped.internal) request.log.error({ err: error }, 'request failed');
    reply.status(mapped.status).send(mapped.body);
  });
  app.setNotFoundHandler((request) => {
    throw new PlayheadError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}: see docs/protocol.md`);
  });

  registerBodyParsers(app);
  registerAuth(app, options.access);
  registerHealthRoute(app, options.store);
  const nodeId = options.nodeId ?? 'local';
  const leases = options.leases ?? new LocalLeases(nodeId);
  registerClusterRoute(app, { bus: options.bus, leases, nodeId, clock });
  await registerDashboard(app, options.dashboardDir);
  registerChannelRoutes(app, {
    reader: options.store,
    ingestor: new Ingestor({ writer: options.store, bus: options.bus, clock, limits }),
    clock,
    maxPageEvents: limits.maxPageEvents,
  });
  const views = new ViewRegistry({
    reader: options.store, writer: options.store, bus: options.bus, clock,
    ...(options.leases === undefined || options.feeds === undefined ? {} : { sharing: { leases, feeds: options.feeds } }),
    onViewFailed: (name, error) => app.log.error({ err: error, view: name }, 'view stopped: its channel could not be read'),
    onSnapshotError: (name, error) => app.log.warn({ err: error, view: name }, 'view snapshot for other nodes not stored or read (they ask again)'),
  });
  for (const { name, error } of await views.load()) app.log.error({ err: error, view: name }, 'stored view not started');
  for (const sql of options.views ?? []) await views.createUnlessExists(sql);
  app.addHook('onClose', async () => views.close());
  registerViewRoutes(app, views, clock);
  const recordStoreUrl = options.scenes?.config?.record === false ? undefined : options.scenes?.recordStoreUrl;
  const scenes = new SceneRegistry({
    reader: options.store, writer: options.store, bus: options.bus, clock, leases, config: options.scenes?.config,
    appender: recordStoreUrl === undefined ? undefined : await WorkerAppender.start(recordStoreUrl),
    onStoreError: (error, scene) => app.log.error({ err: error, scene }, 'scene updates delivered but not stored'),
  });
  await scenes.load();
  const udpPort = options.scenes?.udpPort;
  const udp = udpPort === undefined ? undefined : await SceneUdpServer.listen(scenes, { port: udpPort, host: options.scenes?.udpHost });
  app.addHook('onClose', async () => {
    await udp?.close();
    await scenes.close();
  });
  registerSceneRoutes(app, { scenes, clock, udp: () => udp });
  if (options.sources !== undefined) registerSourceRoutes(app, options.sources);
  const timelines = new TimelineRegistry({
    reader: options.store, writer: options.store, bus: options.bus, clock, leases, shareChanges: isClusterMembership(options.bus),
    ...(options.feeds === undefined ? {} : { checkpointFeeds: options.feeds }),
    onTimelineFailed: (name, error) => app.log.error({ err: error, timeline: name }, 'timeline stopped: its channel could not be read'),
  });
  for (const { name, error } of await timelines.load()) app.log.error({ err: error, timeline: name }, 'stored timeline not started');
  for (const definition of options.timelines ?? []) {
    if (!timelines.has(definition.name)) await timelines.create(definition);
  }
  app.addHook('onClose', async () => timelines.close());
  const timelineOwner = new TimelineOwner({ timelines, leases, bus: options.bus, nodeId });
  registerTimelineRoutes(app, timelines, timelineOwner, clock);
  const feeds = await registerFeeds(app, options, leases, clock);
  attachWebSocketGateway(app, {
    reader: options.store,
    bus: options.bus,
    clock,
    access: options.access,
    limits: Object.freeze({ ...WEBSOCKET_DEFAULTS, ...options.websocket }),
    playback: options.playback ?? {},
    requireExistingChannels: options.requireExistingChannels ?? false,
    views,
    scenes,
    timelines,
    timelineOwner,
    feeds,
  });
  // Last: the domains' own close hooks (a last checkpoint, a last snapshot) run while this node still holds their leases.
  if (options.leases === undefined) app.addHook('onClose', async () => leases.close());
  await app.ready();
  return app;
}
