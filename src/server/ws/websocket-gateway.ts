/**
 * Accepts WebSocket upgrades on /v1/channels/{channel}/ws and /v1/ws:
 * checks the path, the token and the channel before the handshake (so a
 * refused client gets an HTTP status, not a socket), then hands the socket
 * to a WsConnection. All sessions share one timer wheel.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { isChannelName } from '../../core/channel-name.js';
import type { Clock } from '../../core/clock.js';
import { ERROR_CODES, type ErrorCode } from '../../core/errors.js';
import type { LiveBus } from '../../live/live-bus.js';
import type { PlaybackConfig } from '../../playback/playback-session.js';
import { TimerWheel } from '../../playback/timer-wheel.js';
import type { EventReader } from '../../store/event-store.js';
import type { ViewRegistry } from '../../views/view-registry.js';
import type { SceneRegistry } from '../../scenes/scene-registry.js';
import type { TimelineRegistry } from '../../timeline/timeline-registry.js';
import type { TimelineOwner } from '../timeline-owner.js';
import type { FeedService } from '../../feeds/feed-service.js';
import { OPEN_ACCESS, type AccessPolicy, type Grant } from '../auth/access-policy.js';
import { requestToken } from '../auth/request-token.js';
import { WsConnection, type WebSocketLimits } from './ws-connection.js';

export interface GatewayOptions {
  readonly reader: EventReader;
  readonly bus: LiveBus;
  readonly clock: Clock;
  readonly access: AccessPolicy | undefined;
  readonly limits: WebSocketLimits;
  readonly playback: Partial<PlaybackConfig>;
  readonly requireExistingChannels: boolean;
  readonly views: ViewRegistry;
  readonly scenes?: SceneRegistry;
  readonly timelines: TimelineRegistry;
  readonly timelineOwner: TimelineOwner;
  readonly feeds: FeedService;
}

/** Frames past this are cut by `ws` itself (close 1009), bounding memory; smaller oversize frames get an error and the socket stays open. */
const HARD_MAX_FRAME_FACTOR = 16;
const CHANNEL_PATH = /^\/v1\/channels\/([^/]+)\/ws$/;

export function attachWebSocketGateway(app: FastifyInstance, options: GatewayOptions): void {
  const wheel = new TimerWheel(options.clock);
  const server = new WebSocketServer({ noServer: true, maxPayload: options.limits.maxFrameBytes * HARD_MAX_FRAME_FACTOR });
  const connections = new Set<WsConnection>();

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    accept(request, options).then((accepted) => {
      if ('refuse' in accepted) return refuse(socket, accepted.refuse, accepted.message);
      server.handleUpgrade(request, socket, head, (ws) => {
        const connection = new WsConnection(ws, {
          ...options, wheel, grant: accepted.grant, token: accepted.token,
          logError: (error) => app.log.error({ err: error }, 'websocket message failed'),
        }, accepted.channel);
        connections.add(connection);
        ws.on('close', () => connections.delete(connection));
      });
    }, (error: unknown) => {
      app.log.error({ err: error }, 'websocket upgrade failed');
      refuse(socket, 'internal', 'internal error');
    });
  });

  app.addHook('preClose', async () => {
    for (const connection of connections) connection.close();
    for (const client of server.clients) client.terminate();
    wheel.close();
  });
}

type Acceptance = { grant: Grant; token: string | undefined; channel: string | undefined } | { refuse: ErrorCode; message: string };

async function accept(request: IncomingMessage, options: GatewayOptions): Promise<Acceptance> {
  const path = (request.url ?? '/').split('?')[0] as string;
  const match = CHANNEL_PATH.exec(path);
  if (path !== '/v1/ws' && match === null) return { refuse: 'not_found', message: `no WebSocket endpoint at ${path}: use /v1/ws or /v1/channels/{channel}/ws` };
  const channel = match === null ? undefined : safeDecode(match[1] as string);
  if (channel !== undefined && !isChannelName(channel)) {
    return { refuse: 'invalid_channel', message: 'channel name must be 1-128 characters of A-Z a-z 0-9 . _ : -' };
  }
  let grant = OPEN_ACCESS;
  const token = requestToken(request.headers, request.url ?? '');
  if (options.access !== undefined) {
    const known = token === undefined ? undefined : options.access.authenticate(token);
    if (known === undefined) return { refuse: 'unauthorized', message: 'send a known token as "Authorization: Bearer TOKEN" or ?token=TOKEN' };
    if (channel !== undefined && !known.allows('read', channel)) return { refuse: 'forbidden', message: `the token may not read channel ${channel}` };
    grant = known;
  }
  if (channel !== undefined && options.requireExistingChannels && (await options.reader.getChannel(channel)) === undefined) {
    return { refuse: 'unknown_channel', message: `channel ${channel} has no events` };
  }
  return { grant, token, channel };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function refuse(socket: Duplex, code: ErrorCode, message: string): void {
  const status = ERROR_CODES[code].status;
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
