/**
 * HTTP routes of scenes: scenes and objects (create, list, get, update,
 * delete), device registration for UDP delivery, and counters. Creates are
 * acknowledged after their definition is stored (src/scenes/scene-catalog.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { PlayheadError } from '../../core/errors.js';
import { parseTime } from '../../core/time.js';
import type { Scene } from '../../scenes/scene.js';
import { sceneChannel } from '../../scenes/scene-channels.js';
import type { ObjectAttributes, SceneRegistry } from '../../scenes/scene-registry.js';
import { SCENE_FORMATS, type SceneFormat } from '../../scenes/scene-transport.js';
import { parseTransformParts } from '../../scenes/transform.js';
import type { SceneUdpServer } from '../udp/scene-udp-server.js';
import { querySchema } from './query-schema.js';

export interface SceneRoutesOptions {
  readonly scenes: SceneRegistry;
  readonly clock: Clock;
  /** The UDP input port, or undefined where the server binds none (UDP devices are then refused). */
  readonly udp: () => SceneUdpServer | undefined;
}

const sceneParams = { type: 'object', properties: { scene: { type: 'string' } }, required: ['scene'] } as const;
const objectParams = { type: 'object', properties: { scene: { type: 'string' }, object: { type: 'string' } }, required: ['scene', 'object'] } as const;
const deviceParams = { type: 'object', properties: { scene: { type: 'string' }, device: { type: 'string' } }, required: ['scene', 'device'] } as const;
const objectBody = {
  type: 'object',
  properties: { name: { type: 'string' }, type: { type: ['string', 'null'] }, metadata: {}, location: {}, rotation: {}, scale: {} },
  additionalProperties: false,
} as const;

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's scenes, for in-process feeds (the demo). */
    scenes: SceneRegistry;
  }
}

export function registerSceneRoutes(app: FastifyInstance, options: SceneRoutesOptions): void {
  const { scenes, clock } = options;
  app.decorate('scenes', scenes);
  const describe = (scene: Scene) => ({
    name: scene.name, index: scene.index, auth: scene.auth, metadata: scene.metadata, channel: sceneChannel(scene.name),
    udpPort: options.udp()?.port ?? null, objects: scene.objects.size, devices: scene.devices.size,
  });

  app.post('/v1/scenes', {
    config: { access: { action: 'write' } },
    preHandler: mayCreate,
    schema: { body: { type: 'object', properties: { name: { type: 'string' }, auth: { type: 'boolean' }, metadata: {} }, required: ['name'], additionalProperties: false } },
  }, async (request, reply) => {
    const body = request.body as { name: string; auth?: boolean; metadata?: unknown };
    reply.status(201);
    return describe(await scenes.createScene(body.name, body));
  });

  app.get('/v1/scenes', { config: { access: { action: 'read' } } }, async (request) => ({
    scenes: scenes.list().filter((scene) => request.grant.allows('read', sceneChannel(scene.name))).map(describe),
  }));

  app.get('/v1/scenes/:scene', { config: { access: { action: 'read' } }, preHandler: mayRead, schema: { params: sceneParams } }, async (request) =>
    describe(scenes.scene((request.params as { scene: string }).scene)));

  app.delete('/v1/scenes/:scene', { config: { access: { action: 'write' } }, preHandler: mayWrite, schema: { params: sceneParams } }, async (request, reply) => {
    await scenes.deleteScene((request.params as { scene: string }).scene);
    reply.status(204);
  });

  app.get('/v1/scenes/:scene/objects', {
    config: { access: { action: 'read' } },
    preHandler: mayRead,
    schema: { params: sceneParams, querystring: querySchema({ at: { type: 'string' } }) },
  }, async (request) => {
    const { scene } = request.params as { scene: string };
    const { at } = request.query as { at?: string };
    if (at === undefined) return { objects: [...scenes.scene(scene).objects.values()].map((object) => object.state()) };
    const atMs = parseTime(at, { now: clock.now(), field: 'at' });
    return { at: atMs, objects: await scenes.transformsAt(scene, atMs) };
  });

  app.post('/v1/scenes/:scene/objects', {
    config: { access: { action: 'write' } },
    preHandler: mayWrite,
    schema: { params: sceneParams, body: { ...objectBody, required: ['name'] } },
  }, async (request, reply) => {
    const object = await scenes.createObject((request.params as { scene: string }).scene, attributes(request.body));
    reply.status(201);
    return object.state();
  });

  app.get('/v1/scenes/:scene/objects/:object', { config: { access: { action: 'read' } }, preHandler: mayRead, schema: { params: objectParams } }, async (request) => {
    const { scene, object } = request.params as { scene: string; object: string };
    return scenes.scene(scene).object(object).state();
  });

  app.patch('/v1/scenes/:scene/objects/:object', { config: { access: { action: 'write' } }, preHandler: mayWrite, schema: { params: objectParams, body: objectBody } }, async (request) => {
    const { scene, object } = request.params as { scene: string; object: string };
    return (await scenes.updateObject(scene, object, attributes(request.body))).state();
  });

  app.delete('/v1/scenes/:scene/objects/:object', { config: { access: { action: 'write' } }, preHandler: mayWrite, schema: { params: objectParams } }, async (request, reply) => {
    const { scene, object } = request.params as { scene: string; object: string };
    await scenes.deleteObject(scene, object);
    reply.status(204);
  });

  app.post('/v1/scenes/:scene/devices', {
    config: { access: { action: 'write' } },
    preHandler: mayWrite,
    schema: {
      params: sceneParams,
      body: { type: 'object', properties: { udp: { type: 'string' }, format: { type: 'string' }, echo: { type: 'boolean' } }, required: ['udp'], additionalProperties: false },
    },
  }, async (request, reply) => {
    const { scene } = request.params as { scene: string };
    const body = request.body as { udp: string; format?: string; echo?: boolean };
    const udp = options.udp();
    if (udp === undefined) throw new PlayheadError('invalid_parameter', 'this server binds no scene UDP port: start it with --scene-udp-port, or join the scene over /v1/ws');
    if (body.format !== undefined && !(SCENE_FORMATS as readonly string[]).includes(body.format)) {
      throw new PlayheadError('invalid_parameter', `format must be "json" or "binary", got ${JSON.stringify(body.format)}`);
    }
    const target = scenes.scene(scene);
    const { device, secret } = scenes.registerDevice(target.name, udp.transportTo(body.udp), { format: body.format as SceneFormat | undefined, echo: body.echo });
    reply.status(201);
    return { ...device.info(), secret, scene: target.name, sceneIndex: target.index, udpPort: udp.port, heartbeatMs: scenes.config.deviceTimeoutMs };
  });

  app.get('/v1/scenes/:scene/devices', { config: { access: { action: 'read' } }, preHandler: mayRead, schema: { params: sceneParams } }, async (request) => ({
    devices: [...scenes.scene((request.params as { scene: string }).scene).devices.values()].map((device) => device.info()),
  }));

  app.delete('/v1/scenes/:scene/devices/:device', { config: { access: { action: 'write' } }, preHandler: mayWrite, schema: { params: deviceParams } }, async (request, reply) => {
    const { scene, device } = request.params as { scene: string; device: string };
    scenes.removeDevice(scene, device);
    reply.status(204);
  });

  app.get('/v1/scenes/:scene/stats', { config: { access: { action: 'read' } }, preHandler: mayRead, schema: { params: sceneParams } }, async (request) =>
    scenes.stats((request.params as { scene: string }).scene));
}

/** Scene routes need the scope on the scene's channel, `scene.{scene}` (the auth hook checks only that the token has the action somewhere). */
function checkScene(request: FastifyRequest, action: 'read' | 'write', scene: unknown): void {
  if (typeof scene !== 'string') return;
  const channel = sceneChannel(scene);
  request.grant.require(action, channel, `${action} scene ${scene}`);
}

const mayRead = async (request: FastifyRequest) => checkScene(request, 'read', (request.params as { scene?: unknown }).scene);
const mayWrite = async (request: FastifyRequest) => checkScene(request, 'write', (request.params as { scene?: unknown }).scene);
const mayCreate = async (request: FastifyRequest) => checkScene(request, 'write', (request.body as { name?: unknown } | undefined)?.name);

function attributes(body: unknown): ObjectAttributes {
  const record = (body ?? {}) as Record<string, unknown>;
  return {
    ...parseTransformParts(record),
    ...(record.name === undefined ? {} : { name: record.name as string }),
    ...(record.type === undefined ? {} : { type: record.type as string | null }),
    ...(record.metadata === undefined ? {} : { metadata: record.metadata }),
  };
}
