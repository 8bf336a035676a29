/**
 * Serves the built dashboard (web/dist) at `/`, and beside it the client
 * library as one ES module, /playhead-client.js. Its files reveal nothing,
 * so they are public even when auth is on; the dashboard passes the token
 * of its own URL (?token=) to the API. Without a build, `/` says how to
 * make one instead of answering 404.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export async function registerDashboard(app: FastifyInstance, dashboardDir: string | undefined): Promise<void> {
  if (dashboardDir !== undefined && existsSync(join(dashboardDir, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: dashboardDir, prefix: '/', wildcard: false, index: 'index.html', decorateReply: false,
      // Module scripts need CORS: a page from another origin (or a file on disk) may import /playhead-client.js.
      setHeaders: (response) => response.setHeader('access-control-allow-origin', '*'),
    });
    return;
  }
  app.get('/', { config: { access: { action: 'public' } } }, async (_request, reply) => {
    reply.type('text/plain').send('Playhead is running. The dashboard is not built: run "npm run build" (npm ci does it), then restart.\nAPI: /v1/channels, docs/protocol.md\n');
  });
}
