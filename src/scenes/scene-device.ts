/**
 * A device registered to a scene: its transport, secret and output format,
 * when it was last heard from, and the backlog that holds only the latest
 * update per object while it cannot keep up (bounded by the object count).
 */
import type { SceneFormat, SceneTransport } from './scene-transport.js';
import type { SceneUpdate } from './scene-update.js';

export interface SceneDeviceInfo {
  readonly id: string;
  readonly index: number;
  readonly transport: string;
  readonly address: string;
  readonly format: SceneFormat;
  readonly echo: boolean;
  /** Whether updates are being coalesced because the device cannot keep up. */
  readonly behind: boolean;
}

export class SceneDevice {
  readonly id: string;
  readonly index: number;
  readonly secret: Buffer;
  readonly format: SceneFormat;
  /** Receives its own updates too. */
  readonly echo: boolean;
  readonly transport: SceneTransport;
  /** Monotonic ms of the last heartbeat or update. */
  lastSeenMs: number;
  /** Latest update per object index, while the transport is not writable. */
  backlog: Map<number, SceneUpdate> | undefined = undefined;

  constructor(index: number, secret: Buffer, format: SceneFormat, echo: boolean, transport: SceneTransport, nowMs: number) {
    this.id = `dev-${index}`;
    this.index = index;
    this.secret = secret;
    this.format = format;
    this.echo = echo;
    this.transport = transport;
    this.lastSeenMs = nowMs;
  }

  /** Updates from this device index are not sent back to it (0: it receives everything). */
  get skipIndex(): number {
    return this.echo ? 0 : this.index;
  }

  /** Keeps the newest update of each object; returns how many were replaced. */
  coalesce(updates: readonly SceneUpdate[]): number {
    const backlog = (this.backlog ??= new Map());
    let replaced = 0;
    for (const update of updates) {
      if (update.fromDevice !== 0 && update.fromDevice === this.skipIndex) continue;
      const previous = backlog.get(update.object.index);
      if (previous !== undefined) {
        if (previous.seq > update.seq) continue;
        replaced += 1;
      }
      backlog.set(update.object.index, update);
    }
    return replaced;
  }

  info(): SceneDeviceInfo {
    return {
      id: this.id, index: this.index, transport: this.transport.kind, address: this.transport.address,
      format: this.format, echo: this.echo, behind: this.backlog !== undefined,
    };
  }
}
