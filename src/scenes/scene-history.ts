/**
 * A scene's transforms as they were at an instant: the nearest snapshot at
 * or before it, then the scene's events after it. Per object the highest
 * seq wins (the live rule: an older seq never overwrites a newer one).
 */
import type { EventReader } from '../store/event-store.js';
import { sceneChannel, snapshotChannel } from './scene-channels.js';
import type { SceneBaseline } from './scene.js';

/**
 * Events this much older than the snapshot are read too: an update stored
 * after the snapshot was written may carry an earlier event time.
 */
export const SNAPSHOT_OVERLAP_MS = 10_000;

export interface TransformAt {
  readonly object: string;
  readonly index: number;
  readonly seq: number;
  readonly time: number;
  readonly location: number[];
  readonly rotation: number[];
  readonly scale: number[];
}

/** Per object index, the latest transform with event time <= atMs, from events stored after `baseline`. */
export async function transformsAt(reader: EventReader, scene: string, atMs: number, baseline: SceneBaseline): Promise<Map<number, TransformAt>> {
  const state = new Map<number, TransformAt>();
  const keep = (entry: TransformAt) => {
    if (entry.time > atMs) return;
    const current = state.get(entry.index);
    if (current === undefined || entry.seq > current.seq) state.set(entry.index, entry);
  };
  let snapshotTs: number | undefined;
  const end = atMs === Number.POSITIVE_INFINITY ? undefined : atMs + 1;
  for await (const page of reader.scan({ channel: snapshotChannel(scene), order: 'desc', ...(end === undefined ? {} : { end }), pageSize: 1 })) {
    const snapshot = page[0];
    if (snapshot === undefined || snapshot.seq <= baseline.snapshots) break;
    snapshotTs = snapshot.ts;
    for (const entry of (snapshot.data as { objects: TransformAt[] }).objects) keep(entry);
    break;
  }
  const start = snapshotTs === undefined ? {} : { start: snapshotTs - SNAPSHOT_OVERLAP_MS };
  for await (const page of reader.scan({ channel: sceneChannel(scene), order: 'asc', ...start, ...(end === undefined ? {} : { end }) })) {
    for (const event of page) {
      if (event.seq <= baseline.events) continue;
      const data = event.data as Omit<TransformAt, 'time'>;
      keep({ ...data, time: event.ts });
    }
  }
  return state;
}
