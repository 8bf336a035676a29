/**
 * Serves the built dashboard (web/dist) at `/`. Its files reveal nothing,
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
    await app.register(fastifyStatic, { root: dashboardDir, prefix: '/', wildcard: false, index: 'index.html', decorateReply: false });
    // @fastify/static registers HEAD and GET for each file; mark them public for the auth hook.
    return;
  }
  app.get('/', { config: { access: { action: 'public' } } }, async (_request, reply) => {
    reply.type('text/plain').send('Playhead is running. The dashboard is not built: run "npm run build" (npm ci does it), then restart.\nAPI: /v1/channels, docs/protocol.md\n');
  });
}
