/**
 * One object of a scene: its attributes and its current transform, the
 * state fan-out reads and that sequence numbers protect (an older seq never
 * overwrites a newer one). Every field is set in the constructor (STYLE: stable shapes).
 */
import { IDENTITY_TRANSFORM, TRANSFORM_FLOATS, transformParts } from './transform.js';

export interface SceneObjectState {
  readonly object: string;
  readonly index: number;
  readonly type: string | null;
  readonly metadata: unknown;
  readonly seq: number;
  /** Event time of the current transform, epoch ms; null before the first update. */
  readonly time: number | null;
  readonly location: number[];
  readonly rotation: number[];
  readonly scale: number[];
}

export class SceneObject {
  name: string;
  readonly index: number;
  type: string | null;
  metadata: unknown;
  readonly floats = new Float64Array(TRANSFORM_FLOATS);
  /** Sequence number of the current transform; 0 before any update. */
  seq = 0;
  /** Event time of the current transform, epoch ms; null before any update. */
  ts: number | null = null;

  constructor(name: string, index: number, type: string | null, metadata: unknown) {
    this.name = name;
    this.index = index;
    this.type = type;
    this.metadata = metadata;
    this.floats.set(IDENTITY_TRANSFORM);
  }

  state(): SceneObjectState {
    return { object: this.name, index: this.index, type: this.type, metadata: this.metadata, seq: this.seq, time: this.ts, ...transformParts(this.floats) };
  }
}
