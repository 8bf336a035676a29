/** HTTP routes of live views: create (admin), list, read current rows, delete (admin). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { parseTime } from '../../core/time.js';
import type { ViewRegistry, ViewSummary } from '../../views/view-registry.js';
import { querySchema } from './query-schema.js';

const nameParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;

export function registerViewRoutes(app: FastifyInstance, views: ViewRegistry, clock: Clock): void {
  app.post('/v1/views', {
    config: { access: { action: 'admin' } },
    schema: { body: { type: 'object', properties: { sql: { type: 'string', minLength: 1 } }, required: ['sql'], additionalProperties: false } },
  }, async (request, reply) => {
    reply.status(201);
    return views.create((request.body as { sql: string }).sql);
  });

  app.get('/v1/views', { config: { access: { action: 'read' } } }, async (request) => ({
    views: views.list().filter((view) => mayRead(request, view)),
  }));

  app.get('/v1/views/:name', {
    config: { access: { action: 'read' } },
    schema: { params: nameParams, querystring: querySchema({ asOf: { type: 'string' } }) },
  }, async (request) => {
    const { name } = request.params as { name: string };
    const { asOf } = request.query as { asOf?: string };
    const { view, rows } = asOf === undefined ? await views.rows(name) : await views.rowsAt(name, parseTime(asOf, { now: clock.now(), field: 'asOf' }));
    for (const channel of view.channels) request.grant.require('read', channel, `read channel ${channel} of view ${view.name}`);
    return { ...view, rows };
  });

  app.delete('/v1/views/:name', { config: { access: { action: 'admin' } }, schema: { params: nameParams } }, async (request, reply) => {
    await views.delete((request.params as { name: string }).name);
    reply.status(204);
  });
}

function mayRead(request: FastifyRequest, view: ViewSummary): boolean {
  return view.channels.every((channel) => request.grant.allows('read', channel));
}
