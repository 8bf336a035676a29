/** GET /healthz: 200 when the store answers, 503 `store_unavailable` otherwise. Public, for load balancers. */
import type { FastifyInstance } from 'fastify';
import type { EventReader } from '../../store/event-store.js';

export function registerHealthRoute(app: FastifyInstance, reader: EventReader): void {
  app.get('/healthz', { config: { access: { action: 'public' } } }, async () => {
    await reader.ping();
    return { status: 'ok' };
  });
}
