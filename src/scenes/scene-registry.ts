/**
 * The server's scenes: definitions kept in the event log (`playhead.scenes`,
 * followed live through DefinitionLog, so every node knows every scene),
 * transforms restored at start from the latest snapshot plus the events
 * after it, input from datagrams and WebSocket messages, fan-out once per
 * loop turn, heartbeat timeouts, and persistence off the delivery path.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/clock.js';
import { describeValue } from '../core/describe-value.js';
import { PlayheadError } from '../core/errors.js';
import { isClusterMembership } from '../live/cluster-membership.js';
import { InProcessBus } from '../live/in-process/in-process-bus.js';
import type { Leases } from '../live/leases.js';
import type { LiveBus } from '../live/live-bus.js';
import { LocalLeases } from '../live/in-process/local-leases.js';
import type { EventReader, EventWriter } from '../store/event-store.js';
import type { PlaybackSink } from '../playback/playback-session.js';
import { DeviceReplaySink } from './device-replay-sink.js';
import { readDatagram, type DatagramContext } from './read-datagram.js';
import { Scene } from './scene.js';
import { DefinitionLog } from '../playback/definition-log.js';
import type { CatalogRecord } from './scene-catalog.js';
import { SCENE_DEFINITIONS_CHANNEL, SCENE_NAME_PATTERN, sceneChannel, snapshotChannel } from './scene-channels.js';
import type { SceneDevice } from './scene-device.js';
import { transformsAt, type TransformAt } from './scene-history.js';
import { WriterAppender, type SceneAppender } from './scene-appender.js';
import { SceneRecorder } from './scene-recorder.js';
import { SCENE_DEFAULTS, type SceneRegistryConfig } from './scene-registry-config.js';
import { DROP_REASONS, type DropReason } from './scene-stats.js';
import type { SceneFormat, SceneTransport } from './scene-transport.js';
import type { SceneUpdate } from './scene-update.js';
import { validateObjectName, type SceneObject } from './scene-object.js';
import { TRANSFORM_FLOATS, type TransformParts } from './transform.js';
import { parseTransformInput } from './transform-input.js';

export { SCENE_DEFAULTS, type SceneRegistryConfig } from './scene-registry-config.js';

export interface SceneRegistryOptions {
  readonly reader: EventReader;
  readonly writer: EventWriter;
  /** Stored scene events are published here, so a scene channel plays live. */
  readonly bus?: LiveBus;
  /** Decide which node writes each scene's snapshots. @default this node writes all */
  readonly leases?: Leases;
  readonly clock: Clock;
  readonly config?: Partial<SceneRegistryConfig>;
  /**
   * Where updates and snapshots are appended: a WorkerAppender keeps every
   * append off the delivery thread. @default a WriterAppender over `writer` (in this thread)
   */
  readonly appender?: SceneAppender;
  /** Told when the store refuses a batch (the updates were delivered, not stored). */
  readonly onStoreError?: (error: unknown, scene: string) => void;
}

export interface ObjectAttributes extends TransformParts {
  readonly name?: string;
  readonly type?: string | null;
  readonly metadata?: unknown;
}

export interface DeviceOptions {
  /** @default "json" */
  readonly format?: SceneFormat;
  /** Receive its own updates too. @default false */
  readonly echo?: boolean;
  /** Send every current transform at once (a WebSocket device gets them in its reply instead). @default true */
  readonly snapshot?: boolean;
}

export interface Registration {
  readonly device: SceneDevice;
  /** The HMAC key (its UTF-8 bytes) for signed datagrams. */
  readonly secret: string;
}

const SECRET_BYTES = 16;
const MAX_RECORD_BYTES = 1 << 20;
/** `fromDevice` of an update another node relayed: delivered here, but stored and relayed by the node it arrived on. */
const RELAYED_DEVICE = -1;

/**
 * Up to RELAY_CHUNK_UPDATES of one loop turn's updates of one scene, as the
 * other nodes receive them: per update the object's index (every node has
 * the same catalog), seq, time and the 10 floats, as float64 in base64, so
 * nodes pass them without formatting or parsing numbers.
 */
interface RelayedTurn {
  readonly origin: string;
  readonly updates: string;
}

const RELAY_FIELDS = 3 + TRANSFORM_FLOATS;
/** 50 x 13 float64 = 5,200 bytes, 6,936 in base64: with the origin, under PostgreSQL NOTIFY's 8000 bytes. */
const RELAY_CHUNK_UPDATES = 50;

function sceneTopic(scene: string): string {
  return `scene.${scene}`;
}
/** Heartbeat deadlines are checked this many times per timeout. */
const SWEEPS_PER_TIMEOUT = 4;

export class SceneRegistry {
  readonly #reader: EventReader;
  readonly #clock: Clock;
  readonly #config: SceneRegistryConfig;
  readonly #catalog: DefinitionLog<CatalogRecord>;
  readonly #recorder: SceneRecorder;
  readonly #scenes = new Map<string, Scene>();
  readonly #byIndex = new Map<number, Scene>();
  /** Datagrams no known scene can be charged with, by reason. */
  readonly #unattributed: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  readonly #context: DatagramContext;
  #datagrams = 0;
  #nextSceneIndex = 1;
  readonly #bus: LiveBus | undefined;
  /** Tells this registry's relayed turns from other nodes' on the bus. */
  readonly #origin = randomUUID();
  /** This turn's updates that arrived here, by scene, for the other nodes. */
  readonly #outgoing = new Map<Scene, SceneUpdate[]>();
  readonly #stopRelays = new Map<Scene, () => void>();
  readonly #leases: Leases;
  /** Scenes whose snapshots this node writes (it holds their lease), with the release of each lease. */
  readonly #snapshotLeases = new Map<Scene, (() => void) | undefined>();
  readonly #writingSnapshots = new Set<Scene>();
  #flushTimer: TimerHandle | undefined = undefined;
  #drainTimer: TimerHandle | undefined = undefined;
  #sweepTimer: TimerHandle | undefined = undefined;
  #closed = false;

  constructor(options: SceneRegistryOptions) {
    this.#reader = options.reader;
    this.#clock = options.clock;
    // Alone on its bus a node has no one to relay to: the turn is not even encoded.
    this.#bus = options.bus !== undefined && isClusterMembership(options.bus) ? options.bus : undefined;
    this.#leases = options.leases ?? new LocalLeases('local');
    this.#config = Object.freeze({ ...SCENE_DEFAULTS, ...options.config });
    this.#catalog = new DefinitionLog<CatalogRecord>({
      channel: SCENE_DEFINITIONS_CHANNEL, reader: options.reader, writer: options.writer, bus: options.bus ?? new InProcessBus(), clock: options.clock,
      maxRecordBytes: MAX_RECORD_BYTES,
      apply: async (record) => this.#apply(record),
      onError: (error) => options.onStoreError?.(error, SCENE_DEFINITIONS_CHANNEL),
    });
    this.#recorder = new SceneRecorder({
      appender: options.appender ?? new WriterAppender(options.writer), bus: options.bus, clock: options.clock, config: this.#config.recorder,
      onError: options.onStoreError ?? (() => undefined),
      writesSnapshots: (scene) => this.#writingSnapshots.has(scene),
    });
    const clock = options.clock;
    this.#context = {
      sceneAt: (index) => this.#byIndex.get(index),
      sceneNamed: (name) => this.#scenes.get(name),
      dropUnattributed: (reason) => void (this.#unattributed[reason] += 1),
      now: () => clock.now(),
      monotonic: () => clock.monotonic(),
    };
    this.#armSweep();
  }

  get config(): SceneRegistryConfig {
    return this.#config;
  }

  /** Recreates every stored scene and object, with each object's latest stored transform. */
  async load(): Promise<void> {
    await this.#catalog.open();
    for (const scene of this.#scenes.values()) {
      for (const [index, entry] of await transformsAt(this.#reader, scene.name, Number.POSITIVE_INFINITY, scene.baseline)) {
        const object = scene.objectAt(index);
        if (object === undefined || entry.seq <= object.seq) continue;
        object.seq = entry.seq;
        object.ts = entry.time;
        object.floats.set([...entry.location, ...entry.rotation, ...entry.scale]);
      }
    }
  }

  list(): Scene[] {
    return [...this.#scenes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The scene, or throws `unknown_scene`. */
  scene(name: string): Scene {
    const scene = this.#scenes.get(name);
    if (scene === undefined) throw new PlayheadError('unknown_scene', `no scene named ${describeValue(name)}: create it with POST /v1/scenes`);
    return scene;
  }

  async createScene(name: unknown, options: { auth?: boolean; metadata?: unknown } = {}): Promise<Scene> {
    if (typeof name !== 'string' || !SCENE_NAME_PATTERN.test(name)) {
      throw new PlayheadError('invalid_parameter', `scene name must be 1-100 characters of A-Z a-z 0-9 . _ : -, got ${describeValue(name)}`);
    }
    if (this.#scenes.has(name)) throw new PlayheadError('scene_exists', `scene ${name} exists already: DELETE /v1/scenes/${name} first`);
    // Flushed first, so the baseline is past every event of a deleted scene of the same name.
    await this.#recorder.flush();
    const baseline = {
      events: (await this.#reader.getChannel(sceneChannel(name)))?.lastSeq ?? 0,
      snapshots: (await this.#reader.getChannel(snapshotChannel(name)))?.lastSeq ?? 0,
    };
    if (this.#scenes.has(name)) throw new PlayheadError('scene_exists', `scene ${name} exists already: DELETE /v1/scenes/${name} first`);
    const definition = { name, index: this.#nextSceneIndex, auth: options.auth ?? this.#config.defaultAuth, metadata: options.metadata ?? null, baseline };
    this.#nextSceneIndex += 1;
    await this.#catalog.record({ op: 'scene', ...definition });
    return this.scene(name);
  }

  async deleteScene(name: string): Promise<void> {
    this.scene(name);
    await this.#catalog.record({ op: 'dropScene', name });
  }

  async createObject(sceneName: string, attributes: ObjectAttributes): Promise<SceneObject> {
    const scene = this.scene(sceneName);
    const name = validateObjectName(attributes.name);
    if (scene.objects.has(name)) throw new PlayheadError('scene_exists', `scene ${scene.name} has an object named ${name} already: update it with PATCH, or delete it first`);
    if (scene.objects.size >= this.#config.maxObjectsPerScene) {
      throw new PlayheadError('invalid_parameter', `scene ${scene.name} has ${scene.objects.size} objects, the most one scene may hold: delete some first`);
    }
    const index = scene.nextObjectIndex;
    await this.#catalog.record({ op: 'object', scene: scene.name, index, name, type: attributes.type ?? null, metadata: attributes.metadata ?? null });
    const object = scene.object(name);
    this.#move(scene, object, attributes);
    return object;
  }

  async updateObject(sceneName: string, objectName: string, attributes: ObjectAttributes): Promise<SceneObject> {
    const scene = this.scene(sceneName);
    const object = scene.object(objectName);
    const name = attributes.name === undefined ? object.name : validateObjectName(attributes.name);
    if (name !== object.name && scene.objects.has(name)) throw new PlayheadError('scene_exists', `scene ${scene.name} has an object named ${name} already`);
    const type = attributes.type === undefined ? object.type : attributes.type;
    const metadata = attributes.metadata === undefined ? object.metadata : attributes.metadata;
    if (name !== object.name || type !== object.type || metadata !== object.metadata) {
      await this.#catalog.record({ op: 'object', scene: scene.name, index: object.index, name, type, metadata });
    }
    this.#move(scene, object, attributes);
    return object;
  }

  async deleteObject(sceneName: string, objectName: string): Promise<void> {
    const scene = this.scene(sceneName);
    const object = scene.object(objectName);
    await this.#catalog.record({ op: 'dropObject', scene: scene.name, index: object.index });
  }

  /** Adds a device; it receives every object's current transform at once, then every update. */
  registerDevice(sceneName: string, transport: SceneTransport, options: DeviceOptions = {}): Registration {
    const scene = this.scene(sceneName);
    if (scene.devices.size >= this.#config.maxDevicesPerScene) {
      throw new PlayheadError('invalid_parameter', `scene ${scene.name} has ${scene.devices.size} devices, the most one scene may hold`);
    }
    const secret = randomBytes(SECRET_BYTES).toString('hex');
    const device = scene.addDevice(transport, options.format ?? 'json', options.echo ?? false, Buffer.from(secret), this.#clock.monotonic());
    if (options.snapshot !== false) scene.sendSnapshot(device);
    return { device, secret };
  }

  /** Removes a device; throws `unknown_device`. */
  removeDevice(sceneName: string, id: string, reason = 'deleted'): void {
    const scene = this.scene(sceneName);
    scene.removeDevice(this.device(scene, id), reason);
  }

  /** The device, or throws `unknown_device`. */
  device(scene: Scene, id: string): SceneDevice {
    const device = scene.device(id);
    if (device === undefined) throw new PlayheadError('unknown_device', `scene ${scene.name} has no device ${describeValue(id)}: register with POST /v1/scenes/${scene.name}/devices`);
    return device;
  }

  /**
   * A playback sink that streams a replay of the scene's channel to one of
   * its devices as live updates are (docs/scenes.md "Replaying a scene");
   * state and errors go to `control`. Throws `unknown_scene`/`unknown_device`.
   */
  replayTo(sceneName: string, deviceId: string, control: PlaybackSink): PlaybackSink {
    const scene = this.scene(sceneName);
    return new DeviceReplaySink(scene, this.device(scene, deviceId), control, this.#clock);
  }

  /** One input datagram from `from` ("host:port"). Never throws: bad input is dropped and counted. */
  receiveDatagram(bytes: Buffer, from: string): void {
    this.#datagrams += 1;
    if (bytes.length > this.#config.maxDatagramBytes) {
      this.#unattributed.oversize += 1;
      return;
    }
    readDatagram(bytes, from, this.#context);
  }

  /**
   * One transform in JSON form from a connection (the WebSocket `transform`
   * action), sent by `device` when the connection joined the scene.
   * Throws a structured error for bad input; a stale seq is counted, not an error.
   */
  receiveTransform(message: unknown, device: SceneDevice | undefined): void {
    const input = parseTransformInput(message, this.#clock.now());
    const scene = this.scene(input.scene);
    if (device !== undefined) device.lastSeenMs = this.#clock.monotonic();
    if (input.object === undefined) {
      scene.counters.heartbeats += 1;
      return;
    }
    scene.applyParts(scene.object(input.object), input.seq, input.time ?? this.#clock.now(), input.parts, device?.index ?? 0);
  }

  /**
   * Moves an object from inside the process (a feed, a simulation): the
   * same path as a device's update, from no device.
   */
  move(sceneName: string, objectName: string, parts: TransformParts, timeMs = this.#clock.now()): void {
    const scene = this.scene(sceneName);
    scene.applyParts(scene.object(objectName), 0, timeMs, parts, 0);
  }

  /** Transforms of the scene's objects as they were at `atMs` (snapshot + events after it). */
  async transformsAt(sceneName: string, atMs: number): Promise<TransformAt[]> {
    const scene = this.scene(sceneName);
    await this.#recorder.flush();
    const state = await transformsAt(this.#reader, scene.name, atMs, scene.baseline);
    return [...state.values()].sort((a, b) => a.index - b.index);
  }

  /** Counters of the scene, and of datagrams no scene could be charged with. */
  stats(sceneName: string): Record<string, unknown> {
    const scene = this.scene(sceneName);
    return {
      scene: scene.name, devices: scene.devices.size, objects: scene.objects.size, ...scene.counters.toJSON(),
      unattributed: { datagrams: this.#datagrams, dropped: { ...this.#unattributed } },
    };
  }

  /** Everything accepted so far stored (tests, shutdown). */
  async flush(): Promise<void> {
    await this.#recorder.flush();
  }

  async snapshot(): Promise<void> {
    await this.#recorder.snapshot();
  }

  /** Stops the timers and stores every accepted update and a last snapshot. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#catalog.close();
    this.#sweepTimer?.cancel();
    this.#drainTimer?.cancel();
    this.#flushTimer?.cancel();
    this.#flushAll();
    for (const scene of this.#scenes.values()) for (const device of [...scene.devices.values()]) scene.removeDevice(device, 'server closing');
    await this.#recorder.close();
  }

  readonly #accepted = (scene: Scene, update: SceneUpdate): void => {
    if (update.fromDevice === RELAYED_DEVICE) this.#recorder.changed(scene);
    else {
      if (this.#config.record) this.#recorder.add(scene, update);
      if (this.#bus !== undefined) {
        const outgoing = this.#outgoing.get(scene);
        if (outgoing === undefined) this.#outgoing.set(scene, [update]);
        else outgoing.push(update);
      }
    }
    // Everything that arrives in this loop turn goes out together (DESIGN scene relay).
    this.#flushTimer ??= this.#clock.setTimer(0, () => {
      this.#flushTimer = undefined;
      this.#flushAll();
    });
  };

  #flushAll(): void {
    this.#relayOutgoing();
    let behind = false;
    for (const scene of this.#scenes.values()) {
      if (scene.hasPending) scene.flush();
      for (const device of scene.devices.values()) if (device.backlog !== undefined) behind = true;
    }
    this.#recorder.appendFull();
    if (behind) this.#armDrain();
  }

  #armDrain(): void {
    if (this.#drainTimer !== undefined || this.#closed) return;
    this.#drainTimer = this.#clock.setTimer(this.#config.drainIntervalMs, () => {
      this.#drainTimer = undefined;
      let behind = false;
      for (const scene of this.#scenes.values()) if (scene.drain()) behind = true;
      if (behind) this.#armDrain();
    });
  }

  #armSweep(): void {
    const every = this.#config.deviceTimeoutMs / SWEEPS_PER_TIMEOUT;
    this.#sweepTimer = this.#clock.setTimer(every, () => {
      const deadline = this.#clock.monotonic() - this.#config.deviceTimeoutMs;
      for (const scene of this.#scenes.values()) {
        for (const device of [...scene.devices.values()]) {
          if (device.transport.heartbeats && device.lastSeenMs < deadline) {
            scene.counters.devicesTimedOut += 1;
            scene.removeDevice(device, `no heartbeat for ${this.#config.deviceTimeoutMs} ms`);
          }
        }
      }
      if (!this.#closed) this.#armSweep();
    });
  }

  #move(scene: Scene, object: SceneObject, parts: TransformParts): void {
    if (parts.location === undefined && parts.rotation === undefined && parts.scale === undefined) return;
    scene.applyParts(object, 0, this.#clock.now(), parts, 0);
  }

  /** Applies a catalog record, made here or on another node (a record seen twice changes nothing the second time). */
  #apply(record: CatalogRecord): void {
    if (record.op === 'scene') {
      if (!this.#scenes.has(record.name)) this.#add(new Scene({ name: record.name, index: record.index, auth: record.auth, metadata: record.metadata, baseline: record.baseline }, this.#accepted));
    } else if (record.op === 'dropScene') {
      this.#remove(record.name);
    } else if (record.op === 'object') {
      const scene = this.#scenes.get(record.scene);
      const existing = scene?.objectAt(record.index);
      if (existing !== undefined) {
        scene?.renameObject(existing, record.name);
        existing.type = record.type;
        existing.metadata = record.metadata;
      } else scene?.addObject(record.name, record.type, record.metadata, record.index);
    } else {
      const scene = this.#scenes.get(record.scene);
      const object = scene?.objectAt(record.index);
      if (scene !== undefined && object !== undefined) scene.removeObject(object);
    }
  }

  #relayOutgoing(): void {
    if (this.#bus === undefined || this.#outgoing.size === 0) return;
    for (const [scene, updates] of this.#outgoing) {
      for (let start = 0; start < updates.length; start += RELAY_CHUNK_UPDATES) {
        const chunk = updates.slice(start, start + RELAY_CHUNK_UPDATES);
        const values = new Float64Array(chunk.length * RELAY_FIELDS);
        chunk.forEach((update, i) => {
          values.set([update.object.index, update.seq, update.ts], i * RELAY_FIELDS);
          for (let f = 0; f < TRANSFORM_FLOATS; f += 1) values[i * RELAY_FIELDS + 3 + f] = update.floats[f] as number;
        });
        const turn: RelayedTurn = { origin: this.#origin, updates: Buffer.from(values.buffer).toString('base64') };
        this.#bus.notify(sceneTopic(scene.name), turn);
      }
    }
    this.#outgoing.clear();
  }

  /** Another node's turn: applied to this node's copy of the scene and sent to its devices (a lost turn is lost, as a datagram is). */
  #applyRelayed(scene: Scene, payload: unknown): void {
    const turn = payload as RelayedTurn | null;
    if (turn === null || turn.origin === this.#origin) return;
    const bytes = Buffer.from(turn.updates, 'base64');
    // Copied into an array of its own: a Buffer's offset in its pool need not be a multiple of 8.
    const values = new Float64Array(Math.floor(bytes.byteLength / 8));
    new Uint8Array(values.buffer).set(bytes.subarray(0, values.byteLength));
    for (let at = 0; at + RELAY_FIELDS <= values.length; at += RELAY_FIELDS) {
      const object = scene.objectAt(values[at] as number);
      if (object === undefined) scene.counters.dropped.unknownObject += 1;
      else scene.apply(object, values[at + 1] as number, values[at + 2] as number, values.subarray(at + 3, at + RELAY_FIELDS), RELAYED_DEVICE);
    }
  }

  #add(scene: Scene): void {
    this.#scenes.set(scene.name, scene);
    this.#byIndex.set(scene.index, scene);
    this.#nextSceneIndex = Math.max(this.#nextSceneIndex, scene.index + 1);
    if (this.#bus !== undefined) this.#stopRelays.set(scene, this.#bus.listen(sceneTopic(scene.name), (payload) => this.#applyRelayed(scene, payload)));
    this.#snapshotLeases.set(scene, undefined);
    void this.#leases.request(`scene-snapshots:${scene.name}`, {
      gained: () => void this.#writingSnapshots.add(scene),
      lost: () => void this.#writingSnapshots.delete(scene),
    }).then((release) => {
      if (this.#snapshotLeases.has(scene)) this.#snapshotLeases.set(scene, release);
      else release();
    }, () => undefined);
  }

  #remove(name: string): void {
    const scene = this.#scenes.get(name);
    if (scene === undefined) return;
    for (const device of [...scene.devices.values()]) scene.removeDevice(device, 'scene deleted');
    this.#recorder.forget(scene);
    this.#stopRelays.get(scene)?.();
    this.#stopRelays.delete(scene);
    this.#snapshotLeases.get(scene)?.();
    this.#snapshotLeases.delete(scene);
    this.#outgoing.delete(scene);
    this.#scenes.delete(name);
    this.#byIndex.delete(scene.index);
  }
}
