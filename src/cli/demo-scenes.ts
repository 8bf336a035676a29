/**
 * The demo scenes: one per pedestrian trajectory file of data/demo/ (one
 * object per pedestrian, location from x/y in metres), fed live at 40 Hz by
 * interpolating the 2.5 fps frames. Creating them is idempotent.
 */
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { readFileRecords } from '../ingest/file-records.js';
import type { SceneRegistry } from '../scenes/scene-registry.js';
import { TrajectoryFeed, type TrajectorySampleRow } from '../scenes/trajectory-feed.js';
import { DEMO_DIR } from './demo-datasets.js';

export const DEMO_SCENES: readonly string[] = ['biwi_eth', 'crowds_zara01', 'students003'];
/** 10 frame ids are 0.4 s (2.5 fps): data/demo/README.md. */
const MS_PER_FRAME_ID = 40;
const HIDDEN: [number, number, number] = [0, 0, 0];

async function readRows(name: string): Promise<TrajectorySampleRow[]> {
  const raw: { frame: number; object: number; x: number; y: number }[] = [];
  for await (const record of readFileRecords(join(DEMO_DIR, 'trajectories', `${name}.txt`), { format: 'tsv', columns: ['frame', 'object', 'x', 'y'] })) {
    raw.push(record as (typeof raw)[number]);
  }
  const first = Math.min(...raw.map((row) => row.frame));
  return raw.map((row) => ({ track: `p${row.object}`, offsetMs: (row.frame - first) * MS_PER_FRAME_ID, x: row.x, y: row.y }));
}

/** Creates the demo scenes and their objects where missing, and returns a (stopped) feed per scene. */
export async function prepareDemoScenes(registry: SceneRegistry, clock: Clock, loop = true): Promise<{ readonly scene: string; readonly feed: TrajectoryFeed }[]> {
  const prepared: { scene: string; feed: TrajectoryFeed }[] = [];
  for (const scene of DEMO_SCENES) {
    const feed = new TrajectoryFeed({ registry, clock, scene, rows: await readRows(scene), config: { loop } });
    if (!registry.list().some((s) => s.name === scene)) {
      await registry.createScene(scene, { metadata: { source: `data/demo/trajectories/${scene}.txt`, units: 'm', durationMs: feed.durationMs } });
    }
    const existing = registry.scene(scene).objects;
    for (const name of feed.objects) {
      if (!existing.has(name)) await registry.createObject(scene, { name, type: 'pedestrian', scale: HIDDEN });
    }
    prepared.push({ scene, feed });
  }
  return prepared;
}
