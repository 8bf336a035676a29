/**
 * Persistence off the delivery path: accepted updates are buffered and
 * appended to `scene.{scene}` in batches after they went out (by a
 * SceneAppender: in this thread, or a worker thread that never holds up
 * delivery), and each changed scene's transforms are snapshotted
 * periodically, so a restart (or a time-travel read) needs the latest
 * snapshot plus the events after it.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { NewEvent } from '../core/event.js';
import type { LiveBus } from '../live/live-bus.js';
import type { Scene } from './scene.js';
import type { SceneAppender } from './scene-appender.js';
import { sceneChannel, snapshotChannel } from './scene-channels.js';
import type { TransformAt } from './scene-history.js';
import type { SceneUpdate } from './scene-update.js';
import { transformParts } from './transform.js';
import { UpdateBatch } from './update-batch.js';

export interface SceneRecorderConfig {
  /** How long updates wait in the buffer before they are appended, ms. @default 50 */
  readonly flushIntervalMs: number;
  /** Updates per append; a fuller buffer is appended at once (a synchronous store in this thread blocks the loop for one append: keep it short). @default 500 */
  readonly maxBatchEvents: number;
  /** How often a changed scene's transforms are snapshotted, ms. @default 10,000 */
  readonly snapshotIntervalMs: number;
  /**
   * Updates accepted and not yet stored (every scene's `storing`) above
   * which new updates are delivered but not stored, counted in their
   * scene's `unrecorded` (docs/scenes.md "When the store falls behind").
   * @default 200,000 (5 s of 40,000 updates/s, ~25 MB)
   */
  readonly maxStoringUpdates: number;
}

export const RECORDER_DEFAULTS: SceneRecorderConfig = Object.freeze({ flushIntervalMs: 50, maxBatchEvents: 500, snapshotIntervalMs: 10_000, maxStoringUpdates: 200_000 });

/** One object in a snapshot event: its transform as scene-history reads it back. */
export type SnapshotEntry = TransformAt;

interface Pending {
  readonly scene: Scene;
  batch: UpdateBatch;
  /** Changed since its last snapshot. */
  dirty: boolean;
}

export class SceneRecorder {
  readonly #appender: SceneAppender;
  readonly #bus: LiveBus | undefined;
  readonly #clock: Clock;
  readonly #config: SceneRecorderConfig;
  readonly #onError: (error: unknown, scene: string) => void;
  readonly #pending = new Map<string, Pending>();
  /** Batches that filled during this loop turn, posted once the turn's updates went out (appendFull). */
  readonly #full: { readonly pending: Pending; readonly batch: UpdateBatch }[] = [];
  /** Settles after every batch handed to the appender so far (the appender stores them in order; failures are handled per batch). */
  #queue: Promise<void> = Promise.resolve();
  #flushTimer: TimerHandle | undefined = undefined;
  #snapshotTimer: TimerHandle | undefined = undefined;
  #closed = false;
  /** Every scene's `storing`, summed: what maxStoringUpdates bounds. */
  #storing = 0;

  readonly #writesSnapshots: (scene: Scene) => boolean;

  constructor(options: {
    appender: SceneAppender; bus?: LiveBus; clock: Clock; config?: Partial<SceneRecorderConfig>; onError: (error: unknown, scene: string) => void;
    /** Whether this node writes the scene's snapshots (with several nodes, the one holding its lease). @default always */
    writesSnapshots?: (scene: Scene) => boolean;
  }) {
    this.#writesSnapshots = options.writesSnapshots ?? (() => true);
    this.#appender = options.appender;
    this.#bus = options.bus;
    this.#clock = options.clock;
    this.#config = Object.freeze({ ...RECORDER_DEFAULTS, ...options.config });
    this.#onError = options.onError;
    this.#armSnapshots();
  }

  /** Buffers an accepted update, unless the store is maxStoringUpdates behind: then it is only counted (`unrecorded`). */
  add(scene: Scene, update: SceneUpdate): void {
    const pending = this.#pendingOf(scene);
    // Either way the object's transform is in the scene's next snapshot.
    pending.dirty = true;
    if (this.#storing >= this.#config.maxStoringUpdates) {
      scene.counters.unrecorded += 1;
      return;
    }
    pending.batch.add(update);
    scene.counters.storing += 1;
    this.#storing += 1;
    if (pending.batch.full) {
      // Not posted here: this runs while a datagram is read, before its turn is fanned out (DESIGN: nothing waits on storage).
      this.#full.push({ pending, batch: pending.batch });
      pending.batch = UpdateBatch.withCapacity(this.#config.maxBatchEvents);
    } else this.#flushTimer ??= this.#clock.setTimer(this.#config.flushIntervalMs, () => {
      this.#flushTimer = undefined;
      this.#appendAll();
    });
  }

  /** Posts the batches that filled up during this turn; the registry calls it after the turn's fan-out. */
  appendFull(): void {
    for (const { pending, batch } of this.#full.splice(0)) this.#appendBatch(pending, batch);
  }

  /** The scene changed through an update stored elsewhere (another node's): its next snapshot is due all the same. */
  changed(scene: Scene): void {
    this.#pendingOf(scene).dirty = true;
  }

  /** Forgets a deleted scene's buffer (what was accepted before is still written). */
  forget(scene: Scene): void {
    const pending = this.#pending.get(scene.name);
    if (pending?.scene === scene) {
      this.appendFull();
      this.#append(pending);
      this.#pending.delete(scene.name);
    }
  }

  /** Resolves when everything accepted so far is stored. */
  async flush(): Promise<void> {
    this.#appendAll();
    await this.#queue;
  }

  /** Writes a snapshot of every changed scene now. */
  async snapshot(): Promise<void> {
    for (const pending of this.#pending.values()) {
      if (!pending.dirty || !this.#writesSnapshots(pending.scene)) continue;
      pending.dirty = false;
      const { scene } = pending;
      const entries: SnapshotEntry[] = [];
      for (const object of scene.objects.values()) {
        if (object.ts !== null) entries.push({ object: object.name, index: object.index, seq: object.seq, time: object.ts, ...transformParts(object.floats) });
      }
      const data = { objects: entries };
      const event: NewEvent = { ts: this.#clock.now(), id: null, data, dataJson: JSON.stringify(data) };
      this.#track(scene.name, this.#appender.appendEvents(snapshotChannel(scene.name), [event]));
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
    await this.#appender.close();
  }

  #pendingOf(scene: Scene): Pending {
    let pending = this.#pending.get(scene.name);
    if (pending === undefined || pending.scene !== scene) {
      pending = { scene, batch: UpdateBatch.withCapacity(this.#config.maxBatchEvents), dirty: false };
      this.#pending.set(scene.name, pending);
    }
    return pending;
  }

  /** Full batches first: a scene's batches are stored in the order they were filled. */
  #appendAll(): void {
    this.appendFull();
    for (const pending of this.#pending.values()) this.#append(pending);
  }

  #append(pending: Pending): void {
    if (pending.batch.length === 0) return;
    const batch = pending.batch;
    pending.batch = UpdateBatch.withCapacity(this.#config.maxBatchEvents);
    this.#appendBatch(pending, batch);
  }

  #appendBatch(pending: Pending, batch: UpdateBatch): void {
    const { scene } = pending;
    const channel = sceneChannel(scene.name);
    const rows = batch.length;
    this.#track(scene.name, this.#appender.appendUpdates(channel, batch).then((result) => {
      this.#settled(scene, rows);
      scene.counters.stored += result.accepted;
      this.#bus?.publish(channel, result.stored);
    }), () => {
      this.#settled(scene, rows);
      scene.counters.storeErrors += 1;
    });
  }

  #settled(scene: Scene, rows: number): void {
    scene.counters.storing -= rows;
    this.#storing -= rows;
  }

  #track(scene: string, appended: Promise<unknown>, failed?: () => void): void {
    const settled = appended.then(() => undefined, (error: unknown) => {
      failed?.();
      this.#onError(error, scene);
    });
    this.#queue = this.#queue.then(() => settled);
  }

  #armSnapshots(): void {
    this.#snapshotTimer = this.#clock.setTimer(this.#config.snapshotIntervalMs, () => {
      void this.snapshot();
      if (!this.#closed) this.#armSnapshots();
    });
  }
}
