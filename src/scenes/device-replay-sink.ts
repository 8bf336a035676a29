/**
 * A replay of a scene channel streamed to one registered device (UDP or
 * WebSocket) as a live scene is: each stored update becomes the device's
 * transform output (its format), packed per loop turn into as few payloads
 * as fit its transport (DESIGN scene relay). The replay's state and errors
 * go to whoever controls it (the WebSocket that sent `play`).
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { StoredEvent } from '../core/event.js';
import { PlayheadError } from '../core/errors.js';
import type { PlaybackSink, PlaybackState } from '../playback/playback-session.js';
import { packUpdates } from './pack-updates.js';
import type { Scene } from './scene.js';
import type { SceneDevice } from './scene-device.js';
import { SceneObject } from './scene-object.js';
import { SceneUpdate } from './scene-update.js';
import { LOCATION, ROTATION, SCALE, TRANSFORM_FLOATS } from './transform.js';

export class DeviceReplaySink implements PlaybackSink {
  readonly #scene: Scene;
  readonly #device: SceneDevice;
  readonly #control: PlaybackSink;
  readonly #clock: Clock;
  /** Objects as the stored events name them (an object may have been renamed or deleted since). */
  readonly #objects = new Map<string, SceneObject>();
  #turn: SceneUpdate[] = [];
  #timer: TimerHandle | undefined = undefined;
  #gone = false;

  constructor(scene: Scene, device: SceneDevice, control: PlaybackSink, clock: Clock) {
    this.#scene = scene;
    this.#device = device;
    this.#control = control;
    this.#clock = clock;
  }

  event(event: StoredEvent): void {
    const update = this.#updateOf(event);
    // Anything else in a scene channel (written by hand) is not a transform: a device would not know it.
    if (update === undefined || this.#gone) return;
    this.#turn.push(update);
    if (this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimer(0, () => {
      this.#timer = undefined;
      this.#flush();
    });
  }

  state(state: PlaybackState): void {
    this.#control.state(state);
  }

  error(error: PlayheadError): void {
    this.#control.error(error);
  }

  /** Behind while the device's transport is (a replay waits for it rather than losing updates) or the controller is. */
  congested(): boolean {
    return !this.#device.transport.writable() || this.#control.congested();
  }

  slowConsumer(): void {
    this.#control.slowConsumer();
  }

  #flush(): void {
    const turn = this.#turn;
    this.#turn = [];
    if (this.#scene.device(this.#device.id) !== this.#device) {
      this.#gone = true;
      this.#control.error(new PlayheadError('unknown_device', `device ${this.#device.id} left scene ${this.#scene.name}: the replay is no longer sent to it; stop it, or register the device again and play to its new id`));
      return;
    }
    packUpdates(turn, this.#scene.packTarget(this.#device, 0), (payload) => this.#device.transport.send(payload));
  }

  #updateOf(event: StoredEvent): SceneUpdate | undefined {
    const data = event.data as { object?: unknown; index?: unknown; seq?: unknown; location?: unknown; rotation?: unknown; scale?: unknown } | null;
    if (data === null || typeof data !== 'object' || typeof data.object !== 'string' || !Number.isSafeInteger(data.index) || !Number.isSafeInteger(data.seq)) return undefined;
    const floats = new Float64Array(TRANSFORM_FLOATS);
    if (!fill(floats, LOCATION, data.location, ROTATION - LOCATION) || !fill(floats, ROTATION, data.rotation, SCALE - ROTATION)
      || !fill(floats, SCALE, data.scale, TRANSFORM_FLOATS - SCALE)) return undefined;
    const key = `${data.index as number}:${data.object}`;
    let object = this.#objects.get(key);
    if (object === undefined) {
      object = new SceneObject(data.object, data.index as number, null, null);
      this.#objects.set(key, object);
    }
    return new SceneUpdate(object, data.seq as number, event.ts, floats, 0);
  }
}

function fill(floats: Float64Array, at: number, value: unknown, length: number): boolean {
  if (!Array.isArray(value) || value.length !== length) return false;
  for (let i = 0; i < length; i += 1) {
    const number: unknown = value[i];
    if (typeof number !== 'number' || !Number.isFinite(number)) return false;
    floats[at + i] = number;
  }
  return true;
}
