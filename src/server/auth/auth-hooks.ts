/**
 * Enforces the access policy on every route: 401 without a known token,
 * 403 when the token's scopes do not cover the route's action on its
 * channel. Routes marked `public`, and everything outside /v1 that declares
 * no access (the dashboard's static files), are exempt.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PlayheadError } from '../../core/errors.js';
import { OPEN_ACCESS, type AccessPolicy, type Grant } from './access-policy.js';
import { requestToken } from './request-token.js';

declare module 'fastify' {
  interface FastifyRequest {
    grant: Grant;
  }
}

export function registerAuth(app: FastifyInstance, policy: AccessPolicy | undefined): void {
  // Fastify wants a value type here (an object would be shared by every request); onRequest sets the real one first.
  app.decorateRequest('grant', null as unknown as Grant);
  app.addHook('onRequest', async (request) => {
    request.grant = OPEN_ACCESS;
    if (policy === undefined || isPublic(request)) return;
    const token = requestToken(request.headers, request.url);
    if (token === undefined) {
      throw new PlayheadError('unauthorized', 'this server requires a token: send "Authorization: Bearer TOKEN" or ?token=TOKEN');
    }
    const grant = policy.authenticate(token);
    if (grant === undefined) throw new PlayheadError('unauthorized', 'the token is not known to this server');
    request.grant = grant;
  });
  if (policy === undefined) return;
  app.addHook('preHandler', async (request) => {
    const action = request.routeOptions.config.access?.action;
    if (action === undefined || action === 'public') return;
    const channel = channelParam(request);
    if (!request.grant.allows(action, channel)) {
      const target = channel === undefined ? '' : ` channel ${channel}`;
      const scope = action === 'admin' ? 'admin' : `${action}:${channel ?? '*'}`;
      throw new PlayheadError('forbidden', `the token may not ${action}${target}: it needs scope ${scope}`);
    }
  });
}

function isPublic(request: FastifyRequest): boolean {
  const access = request.routeOptions.config.access;
  return access === undefined ? !request.url.startsWith('/v1/') : access.action === 'public';
}

function channelParam(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  return typeof params?.channel === 'string' ? params.channel : undefined;
}
