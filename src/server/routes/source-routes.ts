/** HTTP routes of sources (docs/sources.md): mount (admin; kept across restarts), list, show one mapping, unmount (admin; forgotten). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MountSourceRequest, SourceList, WireSource } from '../../protocol/source-messages.js';
import type { SourceRegistry } from '../../store/sources/source-registry.js';

const nameParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const mountBody = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1 }, url: { type: 'string', minLength: 1 } },
  required: ['name', 'url'],
  additionalProperties: false,
} as const;

export function registerSourceRoutes(app: FastifyInstance, sources: SourceRegistry): void {
  app.post('/v1/sources', { config: { access: { action: 'admin' } }, schema: { body: mountBody } }, async (request, reply): Promise<WireSource> => {
    const { name, url } = request.body as MountSourceRequest;
    const mounted = await sources.mount(name, url, { persist: true });
    reply.status(201);
    return mounted;
  });

  app.get('/v1/sources', { config: { access: { action: 'read' } } }, async (request): Promise<SourceList> => ({
    sources: sources.list().filter((source) => mayRead(request, source.name)),
  }));

  app.get('/v1/sources/:name', { config: { access: { action: 'read' } }, schema: { params: nameParams } }, async (request): Promise<WireSource> => {
    const { name } = request.params as { name: string };
    const source = sources.describe(name);
    request.grant.require('read', name, `read source ${name}`);
    return source;
  });

  app.delete('/v1/sources/:name', { config: { access: { action: 'admin' } }, schema: { params: nameParams } }, async (request, reply) => {
    await sources.unmount((request.params as { name: string }).name);
    reply.status(204);
  });
}

function mayRead(request: FastifyRequest, name: string): boolean {
  return request.grant.allows('read', name);
}
