/**
 * An object's transform (location, rotation quaternion, scale) as 10 numbers,
 * and the validation of its parts as a device sends them: finite numbers
 * only (NaN/Infinity refused), quaternions normalised, Euler degrees converted.
 */
import { describeValue } from '../core/describe-value.js';
import { PlayheadError } from '../core/errors.js';

/** Offsets into the 10 floats of a transform: location xyz, rotation xyzw, scale xyz. */
export const LOCATION = 0;
export const ROTATION = 3;
export const SCALE = 7;
export const TRANSFORM_FLOATS = 10;

export type Vector3 = readonly [number, number, number];
export type Quaternion = readonly [number, number, number, number];

/** The parts of a transform a device sent; an omitted part keeps its last value. */
export interface TransformParts {
  readonly location?: Vector3;
  readonly rotation?: Quaternion;
  readonly scale?: Vector3;
}

export const IDENTITY_TRANSFORM: readonly number[] = Object.freeze([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);

/** A quaternion this far from unit length is refused rather than silently renormalised (it is a bug in the sender). */
const MIN_QUATERNION_NORM = 1e-6;
const DEGREES_TO_HALF_RADIANS = Math.PI / 360;

/** Validates the parts present in `input` (a decoded JSON object). */
export function parseTransformParts(input: Readonly<Record<string, unknown>>): TransformParts {
  const parts: { location?: Vector3; rotation?: Quaternion; scale?: Vector3 } = {};
  if (input.location !== undefined) parts.location = vector(input.location, 'location', 3) as unknown as Vector3;
  if (input.rotation !== undefined) parts.rotation = rotation(input.rotation);
  if (input.scale !== undefined) parts.scale = vector(input.scale, 'scale', 3) as unknown as Vector3;
  return parts;
}

/**
 * A copy of a transform as a plain array: an update keeps one per accept, and
 * a 10-number array is a young-generation allocation, where a Float64Array
 * of 80 bytes gets a backing store outside the heap (~20x the cost).
 */
export function copyTransform(f: ArrayLike<number>): number[] {
  return [f[0] as number, f[1] as number, f[2] as number, f[3] as number, f[4] as number, f[5] as number, f[6] as number, f[7] as number, f[8] as number, f[9] as number];
}

/** Writes the parts over `target` (10 floats), leaving omitted parts as they were. */
export function applyParts(target: { [index: number]: number }, parts: TransformParts): void {
  if (parts.location !== undefined) for (let i = 0; i < 3; i += 1) target[LOCATION + i] = parts.location[i] as number;
  if (parts.rotation !== undefined) for (let i = 0; i < 4; i += 1) target[ROTATION + i] = parts.rotation[i] as number;
  if (parts.scale !== undefined) for (let i = 0; i < 3; i += 1) target[SCALE + i] = parts.scale[i] as number;
}

/** Whether all 10 floats are finite (a binary record may carry NaN bits). */
export function isFiniteTransform(floats: ArrayLike<number>, offset = 0): boolean {
  for (let i = 0; i < TRANSFORM_FLOATS; i += 1) if (!Number.isFinite(floats[offset + i] as number)) return false;
  return true;
}

/** Euler angles in degrees (applied X, then Y, then Z, intrinsic) as a unit quaternion [x, y, z, w]. */
export function eulerDegreesToQuaternion(x: number, y: number, z: number): Quaternion {
  const cx = Math.cos(x * DEGREES_TO_HALF_RADIANS), sx = Math.sin(x * DEGREES_TO_HALF_RADIANS);
  const cy = Math.cos(y * DEGREES_TO_HALF_RADIANS), sy = Math.sin(y * DEGREES_TO_HALF_RADIANS);
  const cz = Math.cos(z * DEGREES_TO_HALF_RADIANS), sz = Math.sin(z * DEGREES_TO_HALF_RADIANS);
  return [
    sx * cy * cz + cx * sy * sz,
    cx * sy * cz - sx * cy * sz,
    cx * cy * sz + sx * sy * cz,
    cx * cy * cz - sx * sy * sz,
  ];
}

/** The 10 floats as the wire's three parts. */
export function transformParts(floats: ArrayLike<number>): { location: number[]; rotation: number[]; scale: number[] } {
  const pick = (from: number, count: number) => Array.from({ length: count }, (_, i) => floats[from + i] as number);
  return { location: pick(LOCATION, 3), rotation: pick(ROTATION, 4), scale: pick(SCALE, 3) };
}

function rotation(value: unknown): Quaternion {
  if (Array.isArray(value) && value.length === 4) {
    const [x, y, z, w] = vector(value, 'rotation', 4);
    const norm = Math.hypot(x as number, y as number, z as number, w as number);
    if (norm < MIN_QUATERNION_NORM) throw invalid('rotation must be a unit quaternion [x,y,z,w], got one of length 0');
    return [(x as number) / norm, (y as number) / norm, (z as number) / norm, (w as number) / norm];
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, 'euler')) {
    const [x, y, z] = vector((value as { euler: unknown }).euler, 'rotation.euler', 3);
    return eulerDegreesToQuaternion(x as number, y as number, z as number);
  }
  throw invalid(`rotation must be a quaternion [x,y,z,w] or {"euler":[x,y,z]} in degrees, got ${describeValue(value)}`);
}

function vector(value: unknown, field: string, length: number): number[] {
  if (!Array.isArray(value) || value.length !== length) {
    throw invalid(`${field} must be an array of ${length} numbers, got ${describeValue(value)}`);
  }
  for (let i = 0; i < length; i += 1) {
    if (typeof value[i] !== 'number' || !Number.isFinite(value[i])) {
      throw invalid(`${field}[${i}] must be a finite number, got ${describeValue(value[i]) === 'null' ? String(value[i]) : describeValue(value[i])}`);
    }
  }
  return value as number[];
}

function invalid(message: string): PlayheadError {
  return new PlayheadError('invalid_parameter', message);
}
