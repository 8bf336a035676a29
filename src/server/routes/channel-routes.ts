/** HTTP routes of channels: write events, read them by window and cursor, list channels, histogram. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validateChannelName } from '../../core/channel-name.js';
import type { Clock } from '../../core/clock.js';
import { PlayheadError } from '../../core/errors.js';
import { parseTime } from '../../core/time.js';
import type { Ingestor } from '../../ingest/ingestor.js';
import type { AppendReply, ChannelList, EventsPage, HistogramReply } from '../../protocol/http-messages.js';
import { MAX_HISTOGRAM_BUCKETS, type ChannelInfo, type EventReader, type ScanOrder } from '../../store/event-store.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { toWireChannel, toWireEvent } from '../wire-format.js';
import { querySchema, WINDOW_QUERY_FIELDS } from './query-schema.js';

export interface ChannelRoutesOptions {
  readonly reader: EventReader;
  readonly ingestor: Ingestor;
  readonly clock: Clock;
  readonly maxPageEvents: number;
}

const DEFAULT_PAGE_EVENTS = 1_000;
const DEFAULT_HISTOGRAM_BUCKETS = 100;

interface EventsQuery { start?: string; end?: string; limit?: number; order?: ScanOrder; cursor?: string }
interface HistogramQuery { start?: string; end?: string; buckets?: number }

const channelParams = {
  type: 'object',
  properties: { channel: { type: 'string' } },
  required: ['channel'],
} as const;

export function registerChannelRoutes(app: FastifyInstance, options: ChannelRoutesOptions): void {
  const { reader, ingestor, clock } = options;
  const time = (value: string | undefined, field: string) => (value === undefined ? undefined : parseTime(value, { now: clock.now(), field }));

  app.get('/v1/channels', { config: { access: { action: 'read' } } }, async (request): Promise<ChannelList> => {
    const channels = await reader.listChannels();
    const visible = channels.filter((c) => request.grant.allows('read', c.name));
    return { channels: visible.map(toWireChannel) };
  });

  app.post('/v1/channels/:channel/events', {
    config: { access: { action: 'write' } },
    schema: { params: channelParams },
  }, async (request, reply): Promise<AppendReply> => {
    const channel = validateChannelName(channelOf(request));
    const body: unknown = request.body;
    if (body === undefined) throw new PlayheadError('invalid_event', 'the body is empty: send one event, an array of events, or NDJSON');
    const result = await ingestor.ingest(channel, Array.isArray(body) ? body : [body]);
    reply.status(result.accepted > 0 ? 201 : 200);
    return { accepted: result.accepted, duplicates: result.duplicates, firstSeq: result.firstSeq, lastSeq: result.lastSeq };
  });

  app.get('/v1/channels/:channel/events', {
    config: { access: { action: 'read' } },
    schema: {
      params: channelParams,
      querystring: querySchema({
        ...WINDOW_QUERY_FIELDS,
        limit: { type: 'integer', minimum: 1, maximum: options.maxPageEvents },
        order: { type: 'string', enum: ['asc', 'desc'] },
        cursor: { type: 'string' },
      }),
    },
  }, async (request): Promise<EventsPage> => {
    const channel = await existingChannel(reader, channelOf(request));
    const query = request.query as EventsQuery;
    const order = query.order ?? 'asc';
    const limit = query.limit ?? DEFAULT_PAGE_EVENTS;
    const fingerprint = `${channel.name}:${order}`;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, fingerprint);
    const scan = reader.scan({
      channel: channel.name, order, after, pageSize: limit + 1,
      start: time(query.start, 'start'), end: time(query.end, 'end'),
    });
    for await (const page of scan) {
      const events = page.slice(0, limit);
      const last = events[events.length - 1];
      const next = page.length > limit && last !== undefined ? encodeCursor(last, fingerprint) : null;
      return { events: events.map(toWireEvent), next };
    }
    return { events: [], next: null };
  });

  app.get('/v1/channels/:channel/histogram', {
    config: { access: { action: 'read' } },
    schema: {
      params: channelParams,
      querystring: querySchema({
        ...WINDOW_QUERY_FIELDS,
        buckets: { type: 'integer', minimum: 1, maximum: MAX_HISTOGRAM_BUCKETS },
      }),
    },
  }, async (request): Promise<HistogramReply> => {
    const channel = await existingChannel(reader, channelOf(request));
    const query = request.query as HistogramQuery;
    const start = time(query.start, 'start') ?? channel.firstTs ?? 0;
    const end = time(query.end, 'end') ?? (channel.lastTs ?? start) + 1;
    if (end <= start) throw new PlayheadError('invalid_parameter', `end must be after start, got start ${start} and end ${end} (epoch ms)`);
    const histogram = await reader.histogram(channel.name, { start, end, buckets: query.buckets ?? DEFAULT_HISTOGRAM_BUCKETS });
    return { channel: channel.name, ...histogram };
  });
}

function channelOf(request: FastifyRequest): string {
  return (request.params as { channel: string }).channel;
}

async function existingChannel(reader: EventReader, name: string): Promise<ChannelInfo> {
  const channel = await reader.getChannel(validateChannelName(name));
  if (channel === undefined) throw new PlayheadError('unknown_channel', `channel ${name} has no events: write some with POST /v1/channels/${name}/events`);
  return channel;
}
