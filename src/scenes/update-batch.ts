/**
 * Accepted updates waiting to be stored, held as numbers in one
 * Float64Array (time, object index, seq, device, 10 floats) and the object
 * names beside it: nothing per update lives on the heap until it is stored,
 * so recording at 40,000 updates/s adds no old-generation garbage to the
 * delivery thread, and a batch posts to a worker thread as two copies.
 */
import type { NewEvent } from '../core/event.js';
import type { SceneUpdate } from './scene-update.js';
import { LOCATION, ROTATION, SCALE, TRANSFORM_FLOATS } from './transform.js';

/** Numbers per update: ts, index, seq, device, then the transform. */
export const BATCH_FIELDS = 4 + TRANSFORM_FLOATS;
const TS = 0;
const INDEX = 1;
const SEQ = 2;
const DEVICE = 3;
const FLOATS = 4;

/** The stored data of one update (channel `scene.{scene}`, docs/scenes.md). */
export interface UpdateEventData {
  readonly object: string;
  readonly index: number;
  readonly seq: number;
  readonly location: number[];
  readonly rotation: number[];
  readonly scale: number[];
  readonly device?: number;
}

export class UpdateBatch {
  readonly values: Float64Array<ArrayBuffer>;
  /** The object's name per update, as it was when the update was accepted. */
  readonly names: string[];
  #length: number;

  constructor(values: Float64Array<ArrayBuffer>, names: string[], length: number) {
    this.values = values;
    this.names = names;
    this.#length = length;
  }

  static withCapacity(updates: number): UpdateBatch {
    return new UpdateBatch(new Float64Array(updates * BATCH_FIELDS), [], 0);
  }

  /** This batch over `values` (its own numbers, handed back by the thread they were transferred to). */
  withValues(values: Float64Array<ArrayBuffer>): UpdateBatch {
    return new UpdateBatch(values, this.names, this.#length);
  }

  get length(): number {
    return this.#length;
  }

  get full(): boolean {
    return (this.#length + 1) * BATCH_FIELDS > this.values.length;
  }

  add(update: SceneUpdate): void {
    const at = this.#length * BATCH_FIELDS;
    const v = this.values;
    v[at + TS] = update.ts;
    v[at + INDEX] = update.object.index;
    v[at + SEQ] = update.seq;
    v[at + DEVICE] = update.fromDevice;
    const floats = update.floats;
    for (let i = 0; i < TRANSFORM_FLOATS; i += 1) v[at + FLOATS + i] = floats[i] as number;
    this.names.push(update.objectName);
    this.#length += 1;
  }

  ts(i: number): number {
    return this.values[i * BATCH_FIELDS + TS] as number;
  }

  data(i: number): UpdateEventData {
    const v = this.values;
    const at = i * BATCH_FIELDS;
    const f = at + FLOATS;
    const device = v[at + DEVICE] as number;
    const object = this.names[i] as string;
    const index = v[at + INDEX] as number;
    const seq = v[at + SEQ] as number;
    const location = [v[f + LOCATION] as number, v[f + LOCATION + 1] as number, v[f + LOCATION + 2] as number];
    const rotation = [v[f + ROTATION] as number, v[f + ROTATION + 1] as number, v[f + ROTATION + 2] as number, v[f + ROTATION + 3] as number];
    const scale = [v[f + SCALE] as number, v[f + SCALE + 1] as number, v[f + SCALE + 2] as number];
    // Two literals, not a spread of one: the delivery thread builds one per stored update (for the bus).
    return device === 0 ? { object, index, seq, location, rotation, scale } : { object, index, seq, location, rotation, scale, device };
  }

  /** `JSON.stringify(data(i))`, written directly; `nameJson` is the name as JSON, when the caller has it. */
  json(i: number, nameJson = JSON.stringify(this.names[i])): string {
    const v = this.values;
    const at = i * BATCH_FIELDS;
    const f = at + FLOATS;
    const device = v[at + DEVICE] as number;
    return `{"object":${nameJson},"index":${v[at + INDEX]},"seq":${v[at + SEQ]},`
      + `"location":[${v[f + LOCATION]},${v[f + LOCATION + 1]},${v[f + LOCATION + 2]}],"rotation":[${v[f + ROTATION]},${v[f + ROTATION + 1]},${v[f + ROTATION + 2]},${v[f + ROTATION + 3]}],`
      + `"scale":[${v[f + SCALE]},${v[f + SCALE + 1]},${v[f + SCALE + 2]}]${device === 0 ? '' : `,"device":${device}`}}`;
  }

  /** The batch as events to append, with their data (for the bus). */
  events(): NewEvent[] {
    const events: NewEvent[] = [];
    for (let i = 0; i < this.#length; i += 1) events.push({ ts: this.ts(i), id: null, data: this.data(i), dataJson: this.json(i) });
    return events;
  }
}
