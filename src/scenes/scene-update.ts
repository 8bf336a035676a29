/**
 * One accepted update: the object's whole transform after it, encoded at
 * most once per format however many devices receive it (DESIGN: frame once,
 * write the same bytes to every device).
 */
import { writeRecord, RECORD_BYTES } from './scene-datagram.js';
import type { SceneObject } from './scene-object.js';
import { LOCATION, ROTATION, SCALE } from './transform.js';

export class SceneUpdate {
  readonly object: SceneObject;
  readonly seq: number;
  /** Event time, epoch ms. */
  readonly ts: number;
  /** The whole transform after the update (10 floats). */
  readonly floats: Float64Array;
  /** The sending device's index, 0 when it is unknown. */
  readonly fromDevice: number;
  #record: Buffer | undefined = undefined;
  #json: Buffer | undefined = undefined;

  constructor(object: SceneObject, seq: number, ts: number, floats: Float64Array, fromDevice: number) {
    this.object = object;
    this.seq = seq;
    this.ts = ts;
    this.floats = floats;
    this.fromDevice = fromDevice;
  }

  /** The 56-byte binary record. */
  record(): Buffer {
    if (this.#record === undefined) {
      this.#record = Buffer.allocUnsafe(RECORD_BYTES);
      writeRecord(this.#record, 0, this.object.index, this.seq, this.ts, this.floats);
    }
    return this.#record;
  }

  /** The JSON output message, `{"type":"transform",...}`, as UTF-8. */
  json(sceneJson: string): Buffer {
    if (this.#json === undefined) {
      const f = this.floats;
      this.#json = Buffer.from(`{"type":"transform","scene":${sceneJson},"object":${this.object.nameJson},"seq":${this.seq},"time":${this.ts},`
        + `"location":[${f[LOCATION]},${f[LOCATION + 1]},${f[LOCATION + 2]}],"rotation":[${f[ROTATION]},${f[ROTATION + 1]},${f[ROTATION + 2]},${f[ROTATION + 3]}],`
        + `"scale":[${f[SCALE]},${f[SCALE + 1]},${f[SCALE + 2]}]}`);
    }
    return this.#json;
  }

  /** `JSON.stringify(eventData())`, written directly (it runs for every update: DESIGN keeps the hot path lean). */
  eventJson(): string {
    const f = this.floats;
    return `{"object":${this.object.nameJson},"index":${this.object.index},"seq":${this.seq},`
      + `"location":[${f[LOCATION]},${f[LOCATION + 1]},${f[LOCATION + 2]}],"rotation":[${f[ROTATION]},${f[ROTATION + 1]},${f[ROTATION + 2]},${f[ROTATION + 3]}],`
      + `"scale":[${f[SCALE]},${f[SCALE + 1]},${f[SCALE + 2]}]${this.fromDevice === 0 ? '' : `,"device":${this.fromDevice}`}}`;
  }

  /** The stored event's data (channel `scene.{scene}`). */
  eventData(): { object: string; index: number; seq: number; location: number[]; rotation: number[]; scale: number[]; device?: number } {
    const f = this.floats;
    return {
      object: this.object.name, index: this.object.index, seq: this.seq,
      location: [f[LOCATION] as number, f[LOCATION + 1] as number, f[LOCATION + 2] as number],
      rotation: [f[ROTATION] as number, f[ROTATION + 1] as number, f[ROTATION + 2] as number, f[ROTATION + 3] as number],
      scale: [f[SCALE] as number, f[SCALE + 1] as number, f[SCALE + 2] as number],
      ...(this.fromDevice === 0 ? {} : { device: this.fromDevice }),
    };
  }
}
