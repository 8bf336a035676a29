/**
 * One scene: its objects (by name and by scene-local index), its devices,
 * and the fan-out of every accepted update to every other device, packed
 * per loop turn and coalesced for a device that cannot keep up, so a slow
 * device never slows the others.
 */
import { PlayheadError } from '../core/errors.js';
import { packRecords, packUpdates, writeRecords } from './pack-updates.js';
import { SceneCounters } from './scene-stats.js';
import { SceneDevice } from './scene-device.js';
import { SceneObject } from './scene-object.js';
import type { SceneFormat, SceneTransport } from './scene-transport.js';
import { SceneUpdate } from './scene-update.js';
import { applyParts as applyTransformParts, copyTransform, TRANSFORM_FLOATS, type TransformParts } from './transform.js';

export interface SceneDefinition {
  readonly name: string;
  readonly index: number;
  /** Datagrams must carry the device id and a truncated HMAC under the device secret. */
  readonly auth: boolean;
  readonly metadata: unknown;
  /** The last seq of its channels when the scene was created: older events belong to a deleted scene of the same name. */
  readonly baseline: SceneBaseline;
}

export interface SceneBaseline {
  /** Of `scene.{scene}`. */
  readonly events: number;
  /** Of its snapshot channel. */
  readonly snapshots: number;
}

export type UpdateListener = (scene: Scene, update: SceneUpdate) => void;

/** Where applyParts builds the new transform (apply copies it into the update). */
const partsScratch = new Float64Array(TRANSFORM_FLOATS);

/** Seq numbers are u32 in the binary layout. */
const MAX_SEQ = 0xffff_ffff;

export class Scene {
  readonly name: string;
  readonly index: number;
  readonly auth: boolean;
  metadata: unknown;
  readonly baseline: SceneBaseline;
  /** The name as JSON text, spliced into every JSON output message. */
  readonly nameJson: string;
  readonly counters = new SceneCounters();
  readonly objects = new Map<string, SceneObject>();
  readonly devices = new Map<string, SceneDevice>();
  readonly #objectsByIndex = new Map<number, SceneObject>();
  readonly #devicesByIndex = new Map<number, SceneDevice>();
  readonly #devicesByAddress = new Map<string, SceneDevice>();
  readonly #onUpdate: UpdateListener;
  #nextObjectIndex = 1;
  #nextDeviceIndex = 1;
  /** Updates accepted in this loop turn, fanned out by `flush`. */
  #turn: SceneUpdate[] = [];

  constructor(definition: SceneDefinition, onUpdate: UpdateListener) {
    this.name = definition.name;
    this.index = definition.index;
    this.auth = definition.auth;
    this.metadata = definition.metadata;
    this.baseline = definition.baseline;
    this.nameJson = JSON.stringify(definition.name);
    this.#onUpdate = onUpdate;
  }

  /** The index the next object gets: indexes are never reused, so a late datagram for a deleted object cannot move a new one. */
  get nextObjectIndex(): number {
    return this.#nextObjectIndex;
  }

  definition(): SceneDefinition {
    return { name: this.name, index: this.index, auth: this.auth, metadata: this.metadata, baseline: this.baseline };
  }

  /** Adds an object; `index` is given when a stored definition is replayed. */
  addObject(name: string, type: string | null, metadata: unknown, index?: number): SceneObject {
    if (this.objects.has(name)) throw new PlayheadError('scene_exists', `scene ${this.name} has an object named ${name} already: update it with PATCH, or delete it first`);
    const object = new SceneObject(name, index ?? this.#nextObjectIndex, type, metadata);
    this.#nextObjectIndex = Math.max(this.#nextObjectIndex, object.index + 1);
    this.objects.set(name, object);
    this.#objectsByIndex.set(object.index, object);
    return object;
  }

  renameObject(object: SceneObject, name: string): void {
    if (name === object.name) return;
    if (this.objects.has(name)) throw new PlayheadError('scene_exists', `scene ${this.name} has an object named ${name} already`);
    this.objects.delete(object.name);
    object.name = name;
    this.objects.set(name, object);
  }

  removeObject(object: SceneObject): void {
    this.objects.delete(object.name);
    this.#objectsByIndex.delete(object.index);
  }

  /** The object, or throws `unknown_object`. */
  object(name: string): SceneObject {
    const object = this.objects.get(name);
    if (object === undefined) throw new PlayheadError('unknown_object', `scene ${this.name} has no object named ${name}: create it with POST /v1/scenes/${this.name}/objects`);
    return object;
  }

  objectAt(index: number): SceneObject | undefined {
    return this.#objectsByIndex.get(index);
  }

  addDevice(transport: SceneTransport, format: SceneFormat, echo: boolean, secret: Buffer, nowMs: number): SceneDevice {
    const device = new SceneDevice(this.#nextDeviceIndex, secret, format, echo, transport, nowMs);
    this.#nextDeviceIndex += 1;
    this.devices.set(device.id, device);
    this.#devicesByIndex.set(device.index, device);
    if (transport.kind === 'udp') this.#devicesByAddress.set(transport.address, device);
    return device;
  }

  removeDevice(device: SceneDevice, reason: string): void {
    if (this.devices.get(device.id) !== device) return;
    this.devices.delete(device.id);
    this.#devicesByIndex.delete(device.index);
    if (this.#devicesByAddress.get(device.transport.address) === device) this.#devicesByAddress.delete(device.transport.address);
    device.transport.closed(reason);
  }

  device(id: string): SceneDevice | undefined {
    return this.devices.get(id);
  }

  deviceAt(index: number): SceneDevice | undefined {
    return this.#devicesByIndex.get(index);
  }

  /** The UDP device registered at this address (how an unsigned datagram's sender is known). */
  deviceFrom(address: string): SceneDevice | undefined {
    return this.#devicesByAddress.get(address);
  }

  /**
   * Accepts a whole transform for `object` unless `seq` is older than (or
   * equal to) the current one; an omitted seq (0) takes the next one.
   * Returns false for a stale update (counted, never delivered).
   */
  apply(object: SceneObject, seq: number, ts: number, floats: ArrayLike<number>, fromDevice: number): boolean {
    if (seq === 0) seq = object.seq >= MAX_SEQ ? MAX_SEQ : object.seq + 1;
    else if (seq <= object.seq) {
      this.counters.dropped.stale += 1;
      return false;
    }
    object.seq = seq;
    object.ts = ts;
    object.floats.set(floats);
    const update = new SceneUpdate(object, seq, ts, copyTransform(object.floats), fromDevice);
    this.counters.accepted += 1;
    this.#turn.push(update);
    this.#onUpdate(this, update);
    return true;
  }

  /** `apply` of the object's current transform with `parts` replaced (what a device or a feed sends). */
  applyParts(object: SceneObject, seq: number, ts: number, parts: TransformParts, fromDevice: number): boolean {
    partsScratch.set(object.floats);
    applyTransformParts(partsScratch, parts);
    return this.apply(object, seq, ts, partsScratch, fromDevice);
  }

  get hasPending(): boolean {
    return this.#turn.length > 0;
  }

  /** Sends this turn's updates to every device: packed once per format for all devices that sent none of them. */
  flush(): void {
    const turn = this.#turn;
    if (turn.length === 0) return;
    this.#turn = [];
    const senders = new Set<number>();
    for (const update of turn) senders.add(update.fromDevice);
    const shared = new Map<string, Buffer[]>();
    /** The turn's binary records, written once for every binary payload size. */
    let records: Buffer | undefined;
    for (const device of this.devices.values()) {
      if (device.backlog !== undefined || !device.transport.writable()) {
        this.counters.coalesced += device.coalesce(turn);
        continue;
      }
      const skip = device.skipIndex;
      if (skip !== 0 && senders.has(skip)) {
        this.#send(device, turn);
        continue;
      }
      const key = `${device.format}:${device.transport.maxPayloadBytes}`;
      let payloads = shared.get(key);
      if (payloads === undefined) {
        const packed: Buffer[] = [];
        const target = this.packTarget(device, 0);
        if (device.format === 'binary') packRecords((records ??= writeRecords(turn)), target, (payload) => packed.push(payload));
        else packUpdates(turn, target, (payload) => packed.push(payload));
        shared.set(key, (payloads = packed));
      }
      for (const payload of payloads) device.transport.send(payload);
      this.counters.delivered += turn.length;
      this.counters.payloads += payloads.length;
    }
  }

  /** Sends the backlog of every device that can take it again; returns whether some device is still behind. */
  drain(): boolean {
    let behind = false;
    for (const device of this.devices.values()) {
      if (device.backlog === undefined) continue;
      if (!device.transport.writable()) {
        behind = true;
        continue;
      }
      const backlog = device.backlog;
      device.backlog = undefined;
      this.#send(device, backlog.values());
    }
    return behind;
  }

  /** Every object's current transform, packed for `device` (its snapshot at registration). */
  sendSnapshot(device: SceneDevice): void {
    const updates: SceneUpdate[] = [];
    for (const object of this.objects.values()) {
      if (object.ts !== null) updates.push(new SceneUpdate(object, object.seq, object.ts, copyTransform(object.floats), 0));
    }
    this.#send(device, updates);
  }

  #send(device: SceneDevice, updates: Iterable<SceneUpdate>): void {
    let payloads = 0;
    this.counters.delivered += packUpdates(updates, this.packTarget(device, device.skipIndex), (payload) => {
      payloads += 1;
      device.transport.send(payload);
    });
    this.counters.payloads += payloads;
  }

  /** How updates are packed for `device`: its format and payload size, leaving out `skipDevice`'s own. */
  packTarget(device: SceneDevice, skipDevice: number) {
    return { format: device.format, sceneIndex: this.index, sceneJson: this.nameJson, maxBytes: device.transport.maxPayloadBytes, skipDevice };
  }
}
