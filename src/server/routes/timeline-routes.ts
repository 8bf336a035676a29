/**
 * HTTP routes of timelines: create (admin), list, a key's intervals or value
 * at an instant, the aggregate, delete (admin). A read of a timeline another
 * node evaluates is answered by that node (TimelineOwner).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { PlayheadError } from '../../core/errors.js';
import { parseTime } from '../../core/time.js';
import type { TimelineDefinition, TimelineRegistry } from '../../timeline/timeline-registry.js';
import { requestToken } from '../auth/request-token.js';
import { FORWARDED_BY_HEADER, type TimelineOwner } from '../timeline-owner.js';
import { querySchema, WINDOW_QUERY_FIELDS } from './query-schema.js';

const nameParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const keyParams = { type: 'object', properties: { name: { type: 'string' }, key: { type: 'string' } }, required: ['name', 'key'] } as const;

export function registerTimelineRoutes(app: FastifyInstance, timelines: TimelineRegistry, owner: TimelineOwner, clock: Clock): void {
  /** The owner's answer, where another node evaluates the timeline; undefined where this one does. */
  const elsewhere = async (request: FastifyRequest, reply: FastifyReply, name: string): Promise<unknown> => {
    if (timelines.place(name) === 'here') return undefined;
    const answer = await owner.get(name, request.url, requestToken(request.headers, request.url), request.headers[FORWARDED_BY_HEADER] !== undefined);
    reply.status(answer.status);
    return answer.body;
  };

  app.post('/v1/timelines', { config: { access: { action: 'admin' } } }, async (request, reply) => {
    reply.status(201);
    return timelines.create(request.body);
  });

  app.get('/v1/timelines', { config: { access: { action: 'read' } } }, async (request) => ({
    timelines: timelines.list().filter((timeline) => mayRead(request, timeline)),
  }));

  app.get('/v1/timelines/:name', { config: { access: { action: 'read' } }, schema: { params: nameParams, querystring: querySchema({}) } }, async (request, reply) => {
    const { name } = request.params as { name: string };
    const definition = readable(request, timelines.describe(name));
    return (await elsewhere(request, reply, name)) ?? { ...definition, stats: timelines.stats(name) };
  });

  app.get('/v1/timelines/:name/keys/:key', {
    config: { access: { action: 'read' } },
    schema: { params: keyParams, querystring: querySchema({ ...WINDOW_QUERY_FIELDS, at: { type: 'string' } }) },
  }, async (request, reply) => {
    const { name, key } = request.params as { name: string; key: string };
    const { start, end, at } = request.query as { start?: string; end?: string; at?: string };
    readable(request, timelines.describe(name));
    const forwarded = await elsewhere(request, reply, name);
    if (forwarded !== undefined) return forwarded;
    const now = clock.now();
    if (at !== undefined) {
      if (start !== undefined || end !== undefined) throw new PlayheadError('invalid_parameter', 'send either at= (the value at an instant) or start=/end= (intervals), not both');
      const atMs = parseTime(at, { now, field: 'at' });
      return { timeline: name, key, at: atMs, ...timelines.valueAt(name, key, atMs) };
    }
    const startMs = start === undefined ? undefined : parseTime(start, { now, field: 'start' });
    const endMs = end === undefined ? undefined : parseTime(end, { now, field: 'end' });
    if (startMs !== undefined && endMs !== undefined && endMs <= startMs) throw new PlayheadError('invalid_parameter', `end must be after start, got start=${start} end=${end}`);
    return { timeline: name, key, intervals: timelines.intervals(name, key, startMs, endMs) };
  });

  app.get('/v1/timelines/:name/aggregate', {
    config: { access: { action: 'read' } },
    schema: { params: nameParams, querystring: querySchema({ at: { type: 'string' } }) },
  }, async (request, reply) => {
    const { name } = request.params as { name: string };
    const { at } = request.query as { at?: string };
    readable(request, timelines.describe(name));
    const forwarded = await elsewhere(request, reply, name);
    if (forwarded !== undefined) return forwarded;
    const atMs = at === undefined ? clock.now() : parseTime(at, { now: clock.now(), field: 'at' });
    return { timeline: name, at: atMs, rows: timelines.aggregate(name, atMs) };
  });

  app.delete('/v1/timelines/:name', { config: { access: { action: 'admin' } }, schema: { params: nameParams } }, async (request, reply) => {
    await timelines.delete((request.params as { name: string }).name);
    reply.status(204);
  });
}

function mayRead(request: FastifyRequest, timeline: TimelineDefinition): boolean {
  return request.grant.allows('read', timeline.channel);
}

function readable(request: FastifyRequest, timeline: TimelineDefinition): TimelineDefinition {
  request.grant.require('read', timeline.channel, `read channel ${timeline.channel} of timeline ${timeline.name}`);
  return timeline;
}
