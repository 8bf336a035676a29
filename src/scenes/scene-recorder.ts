/**
 * Persistence off the delivery path: accepted updates are buffered and
 * appended to `scene.{scene}` in batches after they went out, and each
 * changed scene's transforms are snapshotted periodically, so a restart
 * (or a time-travel read) needs the latest snapshot plus the events after it.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { NewEvent } from '../core/event.js';
import type { LiveBus } from '../live/live-bus.js';
import type { EventWriter } from '../store/event-store.js';
import type { Scene } from './scene.js';
import { sceneChannel, snapshotChannel } from './scene-channels.js';
import type { SceneUpdate } from './scene-update.js';
import { transformParts } from './transform.js';

export interface SceneRecorderConfig {
  /** How long updates wait in the buffer before they are appended, ms. @default 50 */
  readonly flushIntervalMs: number;
  /** Updates per append; a fuller buffer is appended at once (a synchronous store blocks the loop for one append: keep it short). @default 500 */
  readonly maxBatchEvents: number;
  /** How often a changed scene's transforms are snapshotted, ms. @default 10,000 */
  readonly snapshotIntervalMs: number;
}

export const RECORDER_DEFAULTS: SceneRecorderConfig = Object.freeze({ flushIntervalMs: 50, maxBatchEvents: 500, snapshotIntervalMs: 10_000 });

/** One object in a snapshot event. */
export interface SnapshotEntry {
  readonly object: string;
  readonly index: number;
  readonly seq: number;
  readonly time: number;
  readonly location: number[];
  readonly rotation: number[];
  readonly scale: number[];
}

interface Pending {
  readonly scene: Scene;
  events: NewEvent[];
  /** Changed since its last snapshot. */
  dirty: boolean;
}

export class SceneRecorder {
  readonly #writer: EventWriter;
  readonly #bus: LiveBus | undefined;
  readonly #clock: Clock;
  readonly #config: SceneRecorderConfig;
  readonly #onError: (error: unknown, scene: string) => void;
  readonly #pending = new Map<string, Pending>();
  /** Appends happen one after another, so a scene's batches are stored in order. */
  #queue: Promise<void> = Promise.resolve();
  #flushTimer: TimerHandle | undefined = undefined;
  #snapshotTimer: TimerHandle | undefined = undefined;
  #closed = false;

  constructor(options: { writer: EventWriter; bus?: LiveBus; clock: Clock; config?: Partial<SceneRecorderConfig>; onError: (error: unknown, scene: string) => void }) {
    this.#writer = options.writer;
    this.#bus = options.bus;
    this.#clock = options.clock;
    this.#config = Object.freeze({ ...RECORDER_DEFAULTS, ...options.config });
    this.#onError = options.onError;
    this.#armSnapshots();
  }

  add(scene: Scene, update: SceneUpdate): void {
    const pending = this.#pendingOf(scene);
    pending.events.push({ ts: update.ts, id: null, data: update.eventData(), dataJson: update.eventJson() });
    pending.dirty = true;
    if (pending.events.length >= this.#config.maxBatchEvents) this.#append(pending);
    else this.#flushTimer ??= this.#clock.setTimer(this.#config.flushIntervalMs, () => {
      this.#flushTimer = undefined;
      for (const each of this.#pending.values()) this.#append(each);
    });
  }

  /** Forgets a deleted scene's buffer (what was accepted before is still written). */
  forget(scene: Scene): void {
    const pending = this.#pending.get(scene.name);
    if (pending?.scene === scene) {
      this.#append(pending);
      this.#pending.delete(scene.name);
    }
  }

  /** Resolves when everything accepted so far is stored. */
  async flush(): Promise<void> {
    for (const pending of this.#pending.values()) this.#append(pending);
    await this.#queue;
  }

  /** Writes a snapshot of every changed scene now. */
  async snapshot(): Promise<void> {
    for (const pending of this.#pending.values()) {
      if (!pending.dirty) continue;
      pending.dirty = false;
      const { scene } = pending;
      const entries: SnapshotEntry[] = [];
      for (const object of scene.objects.values()) {
        if (object.ts !== null) entries.push({ object: object.name, index: object.index, seq: object.seq, time: object.ts, ...transformParts(object.floats) });
      }
      const data = { objects: entries };
      const event: NewEvent = { ts: this.#clock.now(), id: null, data, dataJson: JSON.stringify(data) };
      this.#enqueue(scene.name, () => this.#writer.append(snapshotChannel(scene.name), [event]).then(() => undefined));
    }
    await this.#queue;
  }

  /** Stores everything buffered and a last snapshot (clean shutdown). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#flushTimer?.cancel();
    this.#snapshotTimer?.cancel();
    await this.flush();
    await this.snapshot();
  }

  #pendingOf(scene: Scene): Pending {
    let pending = this.#pending.get(scene.name);
    if (pending === undefined || pending.scene !== scene) {
      pending = { scene, events: [], dirty: false };
      this.#pending.set(scene.name, pending);
    }
    return pending;
  }

  #append(pending: Pending): void {
    if (pending.events.length === 0) return;
    const events = pending.events;
    pending.events = [];
    const { scene } = pending;
    const channel = sceneChannel(scene.name);
    this.#enqueue(scene.name, async () => {
      const result = await this.#writer.append(channel, events);
      scene.counters.stored += result.accepted;
      this.#bus?.publish(channel, result.stored);
    }, () => {
      scene.counters.storeErrors += 1;
    });
  }

  #enqueue(scene: string, write: () => Promise<void>, failed?: () => void): void {
    this.#queue = this.#queue.then(write).catch((error: unknown) => {
      failed?.();
      this.#onError(error, scene);
    });
  }

  #armSnapshots(): void {
    this.#snapshotTimer = this.#clock.setTimer(this.#config.snapshotIntervalMs, () => {
      void this.snapshot();
      if (!this.#closed) this.#armSnapshots();
    });
  }
}
