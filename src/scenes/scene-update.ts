/**
 * One accepted update: the object's whole transform after it, encoded at
 * most once per payload format however many devices receive it (DESIGN:
 * frame once, write the same bytes to every device).
 */
import { writeRecord } from './scene-datagram.js';
import type { SceneObject } from './scene-object.js';
import { LOCATION, ROTATION, SCALE } from './transform.js';

export class SceneUpdate {
  readonly object: SceneObject;
  readonly seq: number;
  /** Event time, epoch ms. */
  readonly ts: number;
  /** The whole transform after the update (10 numbers; transform.ts copyTransform). */
  readonly floats: ArrayLike<number>;
  /** The sending device's index, 0 when it is unknown. */
  readonly fromDevice: number;
  /** The object's name when the update was accepted (a later rename does not change what is stored), and as JSON. */
  readonly objectName: string;
  readonly nameJson: string;
  #json: Buffer | undefined = undefined;

  constructor(object: SceneObject, seq: number, ts: number, floats: ArrayLike<number>, fromDevice: number) {
    this.object = object;
    this.seq = seq;
    this.ts = ts;
    this.floats = floats;
    this.fromDevice = fromDevice;
    this.objectName = object.name;
    this.nameJson = object.nameJson;
  }

  /** Writes the 56-byte binary record at `offset` of `target` (recordView; straight into a payload: a record of its own would be one more buffer per update). */
  writeRecord(target: DataView, offset: number): void {
    writeRecord(target, offset, this.object.index, this.seq, this.ts, this.floats);
  }

  /** The JSON output message, `{"type":"transform",...}`, as UTF-8. */
  json(sceneJson: string): Buffer {
    if (this.#json === undefined) {
      const f = this.floats;
      this.#json = Buffer.from(`{"type":"transform","scene":${sceneJson},"object":${this.nameJson},"seq":${this.seq},"time":${this.ts},`
        + `"location":[${f[LOCATION]},${f[LOCATION + 1]},${f[LOCATION + 2]}],"rotation":[${f[ROTATION]},${f[ROTATION + 1]},${f[ROTATION + 2]},${f[ROTATION + 3]}],`
        + `"scale":[${f[SCALE]},${f[SCALE + 1]},${f[SCALE + 2]}]}`);
    }
    return this.#json;
  }
}
