/**
 * The JSON form of a transform as a device sends it (UDP datagram or the
 * WebSocket `transform` action): validated field by field, unknown fields
 * refused so typos surface. `object` absent means a heartbeat.
 */
import { describeValue } from '../core/describe-value.js';
import { PlayheadError } from '../core/errors.js';
import { parseTime } from '../core/time.js';
import { parseTransformParts, type TransformParts } from './transform.js';

export interface TransformInput {
  readonly scene: string;
  /** Undefined for a heartbeat. */
  readonly object: string | undefined;
  /** 0 when omitted: the server takes the object's next one. */
  readonly seq: number;
  /** Event time, epoch ms; undefined means "when received". */
  readonly time: number | undefined;
  readonly parts: TransformParts;
  readonly device: string | undefined;
}

const FIELDS = new Set(['action', 'scene', 'object', 'seq', 'time', 'location', 'rotation', 'scale', 'device']);
const MAX_SEQ = 0xffff_ffff;

export function parseTransformInput(value: unknown, nowMs: number): TransformInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`a transform must be an object like {"scene":"lab","object":"cube1","location":[1,2,3]}, got ${describeValue(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.has(key)) throw invalid(`a transform does not take field ${JSON.stringify(key)}: it takes scene, object, seq, time, location, rotation, scale, device`);
  }
  const { scene, object, seq, time, device } = record;
  if (typeof scene !== 'string' || scene === '') throw invalid(`field "scene" must be the scene's name, got ${describeValue(scene)}`);
  if (object !== undefined && (typeof object !== 'string' || object === '')) throw invalid(`field "object" must be the object's name, got ${describeValue(object)}`);
  if (device !== undefined && typeof device !== 'string') throw invalid(`field "device" must be the id from registration, got ${describeValue(device)}`);
  if (seq !== undefined && (!Number.isInteger(seq) || (seq as number) < 1 || (seq as number) > MAX_SEQ)) {
    throw invalid(`field "seq" must be an integer 1-${MAX_SEQ}, got ${describeValue(seq)}`);
  }
  const parts = parseTransformParts(record);
  if (object === undefined && (parts.location !== undefined || parts.rotation !== undefined || parts.scale !== undefined)) {
    throw invalid('a transform needs field "object": which object moves');
  }
  return {
    scene, object, device,
    seq: (seq as number | undefined) ?? 0,
    time: time === undefined ? undefined : parseTime(time, { now: nowMs, field: 'time' }),
    parts,
  };
}

function invalid(message: string): PlayheadError {
  return new PlayheadError('invalid_parameter', message);
}
