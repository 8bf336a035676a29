/**
 * A scene seen from the client (docs/scenes.md): the connection joins it as
 * a device, keeps every object's last transform received (the join reply,
 * then each update, or a replay sent to this device), moves objects
 * fire-and-forget, and reads the scene as it was at an instant. A
 * reconnect joins again, as a new device, from a fresh set of transforms.
 */
import type { SceneMessage, SceneObjectWire, TransformInputMessage, TransformMessage } from '../src/protocol/scene-messages.js';
import type { ServerMessage } from '../src/protocol/server-messages.js';
import { PlayheadClientError } from './client-error.js';
import type { Connection } from './connection.js';

export interface SceneOptions {
  /** Receive this connection's own moves back too. @default false */
  readonly echo?: boolean;
}

/** An object's transform as the client holds it. */
export interface SceneTransform {
  readonly object: string;
  readonly seq: number;
  /** Event time, epoch ms (null before the object's first update). */
  readonly time: number | null;
  readonly location: readonly number[];
  readonly rotation: readonly number[];
  readonly scale: readonly number[];
}

/** What `move` sends: any part may be omitted and keeps its last value; rotation may be Euler degrees. */
export type MoveInput = Omit<TransformInputMessage, 'scene' | 'object' | 'device'>;

export class LiveScene {
  readonly name: string;
  /** Resolves when the scene is joined (first transforms in); rejects if the server refuses it. */
  readonly ready: Promise<void>;
  readonly #connection: Connection;
  readonly #echo: boolean | undefined;
  readonly #sub: string;
  readonly #objects = new Map<string, SceneTransform>();
  readonly #listeners = new Set<(transform: TransformMessage) => void>();
  readonly #offFrames: () => void;
  #device: string | undefined = undefined;
  #settle: { resolve(): void; reject(error: PlayheadClientError): void } | undefined;

  constructor(connection: Connection, name: string, options: SceneOptions) {
    this.#connection = connection;
    this.name = name;
    this.#echo = options.echo;
    this.ready = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.ready.catch(() => {});
    this.#offFrames = connection.onFrame((messages) => this.#frame(messages));
    this.#sub = connection.add({ open: () => this.#open(), receive: (message) => this.#receive(message) });
  }

  /** The device id of this connection in the scene (a new one after each reconnect). */
  get device(): string | undefined {
    return this.#device;
  }

  /** Every object's last transform received, by name. */
  get objects(): ReadonlyMap<string, SceneTransform> {
    return this.#objects;
  }

  /** Called with every update received (other devices' moves, or a replay sent here). */
  onTransform(listener: (transform: TransformMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Moves an object (fire-and-forget; dropped while disconnected, as a datagram would be). */
  move(object: string, transform: MoveInput): void {
    this.#connection.send({ action: 'transform', sub: this.#sub, scene: this.name, object, ...transform });
  }

  /** The scene's transforms as they were at `time` (ISO-8601, epoch ms, "now-5m"). */
  at(time: string | number): Promise<readonly SceneObjectWire[]> {
    return new Promise((resolve, reject) => {
      const sub = this.#connection.add({
        open: () => this.#connection.send({ action: 'scene', sub, scene: this.name, at: time }),
        receive: (message) => {
          this.#connection.remove(sub);
          if (message.type === 'scene') resolve(message.objects);
          else if (message.type === 'error') reject(new PlayheadClientError(message.code, message.message));
        },
      });
    });
  }

  leave(): void {
    this.#connection.send({ action: 'scene', sub: this.#sub, scene: this.name, leave: true });
    this.#connection.remove(this.#sub);
    this.#offFrames();
  }

  #open(): void {
    this.#connection.send({ action: 'scene', sub: this.#sub, scene: this.name, echo: this.#echo });
  }

  #receive(message: ServerMessage): void {
    if (message.type === 'scene') return this.#joined(message);
    if (message.type === 'error') {
      this.#settle?.reject(new PlayheadClientError(message.code, message.message));
      this.#settle = undefined;
    }
  }

  #joined(message: SceneMessage): void {
    this.#device = message.device;
    this.#objects.clear();
    for (const object of message.objects) this.#objects.set(object.object, object);
    this.#settle?.resolve();
    this.#settle = undefined;
  }

  #frame(messages: readonly TransformMessage[]): void {
    for (const transform of messages) {
      if (transform.type !== 'transform' || transform.scene !== this.name) continue;
      // No seq check: the server never sends a device an older seq live, and a replay sent here must move the objects.
      this.#objects.set(transform.object, transform);
      for (const listener of this.#listeners) listener(transform);
    }
  }
}
