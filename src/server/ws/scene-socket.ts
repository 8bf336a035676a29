/**
 * The scene half of a /v1/ws connection: `{"action":"scene"}` joins a scene
 * as a device (the reply carries every object's transform, then packed
 * updates follow) or, with `at`, answers the scene as it was then;
 * `{"action":"transform"}` moves an object, fire-and-forget.
 */
import type { WebSocket } from 'ws';
import type { Clock } from '../../core/clock.js';
import { parseTime } from '../../core/time.js';
import type { SceneAction, TransformAction } from '../../protocol/client-actions.js';
import type { SceneMessage, SceneObjectWire } from '../../protocol/scene-messages.js';
import { sceneChannel } from '../../scenes/scene-channels.js';
import type { SceneDevice } from '../../scenes/scene-device.js';
import type { SceneRegistry } from '../../scenes/scene-registry.js';
import type { Grant } from '../auth/access-policy.js';
import { WsTransport } from './ws-transport.js';

export interface SceneSocketContext {
  readonly scenes: SceneRegistry;
  readonly clock: Clock;
  readonly grant: Grant;
  /** Send buffer above which this device's updates are coalesced, bytes. */
  readonly maxBufferedBytes: number;
}

export class SceneSocket {
  readonly #socket: WebSocket;
  readonly #context: SceneSocketContext;
  /** The device this connection is, per scene it joined. */
  readonly #devices = new Map<string, SceneDevice>();

  constructor(socket: WebSocket, context: SceneSocketContext) {
    this.#socket = socket;
    this.#context = context;
  }

  async handle(message: SceneAction | TransformAction): Promise<void> {
    if (message.action === 'transform') return this.#transform(message);
    this.#check('read', message.scene);
    if (message.at !== undefined) return this.#sendAt(message, parseTime(message.at, { now: this.#context.clock.now(), field: 'at' }));
    if (message.leave === true) return this.#leave(message.scene);
    const { scenes } = this.#context;
    const scene = scenes.scene(message.scene);
    this.#leave(scene.name);
    const transport = new WsTransport(this.#socket, message.format ?? 'json', this.#context.maxBufferedBytes);
    const { device } = scenes.registerDevice(scene.name, transport, { format: message.format, echo: message.echo, snapshot: false });
    this.#devices.set(scene.name, device);
    const objects: SceneObjectWire[] = [...scene.objects.values()].map((object) => object.state());
    this.#reply({ type: 'scene', ...(message.sub === undefined ? {} : { sub: message.sub }), scene: scene.name, device: device.id, objects });
  }

  close(): void {
    for (const name of [...this.#devices.keys()]) this.#leave(name);
  }

  #transform(message: TransformAction): void {
    this.#check('write', message.scene);
    const { action: _action, sub: _sub, ...input } = message;
    this.#context.scenes.receiveTransform(input, this.#devices.get(message.scene));
  }

  async #sendAt(message: SceneAction, atMs: number): Promise<void> {
    const transforms = await this.#context.scenes.transformsAt(message.scene, atMs);
    this.#reply({ type: 'scene', ...(message.sub === undefined ? {} : { sub: message.sub }), scene: message.scene, at: atMs, objects: transforms });
  }

  #leave(scene: string): void {
    const device = this.#devices.get(scene);
    if (device === undefined) return;
    this.#devices.delete(scene);
    try {
      this.#context.scenes.removeDevice(scene, device.id, 'left');
    } catch {
      // The scene was deleted or the device timed out already: nothing is left to remove.
    }
  }

  #check(action: 'read' | 'write', scene: string): void {
    const { grant } = this.#context;
    const channel = sceneChannel(scene);
    grant.require(action, channel, `${action} scene ${scene}`);
  }

  #reply(message: SceneMessage): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(JSON.stringify(message));
  }
}
