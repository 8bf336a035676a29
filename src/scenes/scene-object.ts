/**
 * One object of a scene: its attributes and its current transform, the
 * state fan-out reads and that sequence numbers protect (an older seq never
 * overwrites a newer one). Every field is set in the constructor (STYLE: stable shapes).
 */
import { describeValue } from '../core/describe-value.js';
import { PlayheadError } from '../core/errors.js';
import { IDENTITY_TRANSFORM, TRANSFORM_FLOATS, transformParts } from './transform.js';

const OBJECT_NAME_MAX_CHARS = 256;

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
  #name: string;
  /** The name as a JSON string, kept with it: every update's output and stored event embed it. */
  #nameJson: string;
  readonly index: number;
  type: string | null;
  metadata: unknown;
  readonly floats = new Float64Array(TRANSFORM_FLOATS);
  /** Sequence number of the current transform; 0 before any update. */
  seq = 0;
  /** Event time of the current transform, epoch ms; null before any update. */
  ts: number | null = null;

  constructor(name: string, index: number, type: string | null, metadata: unknown) {
    this.#name = name;
    this.#nameJson = JSON.stringify(name);
    this.index = index;
    this.type = type;
    this.metadata = metadata;
    this.floats.set(IDENTITY_TRANSFORM);
  }

  get name(): string {
    return this.#name;
  }

  set name(name: string) {
    this.#name = name;
    this.#nameJson = JSON.stringify(name);
  }

  get nameJson(): string {
    return this.#nameJson;
  }

  state(): SceneObjectState {
    return { object: this.name, index: this.index, type: this.type, metadata: this.metadata, seq: this.seq, time: this.ts, ...transformParts(this.floats) };
  }
}

/** Object names: any 1-256 characters but NUL (they are JSON strings on the wire and event data in the store). */
export function validateObjectName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > OBJECT_NAME_MAX_CHARS || name.includes('\u0000')) {
    throw new PlayheadError('invalid_parameter', `object name must be a string of 1-${OBJECT_NAME_MAX_CHARS} characters without NUL, got ${describeValue(name)}`);
  }
  return name;
}
