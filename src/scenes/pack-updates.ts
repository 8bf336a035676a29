/**
 * Packs updates into as few payloads as fit `maxBytes` each (DESIGN scene
 * relay: one datagram per update per device saturates 2 cores; packing what
 * arrives in one loop turn loses nothing). Binary: header + records back to
 * back; JSON: an array of transform messages.
 */
import { FLAG_FROM_SERVER, HEADER_BYTES, RECORD_BYTES, recordView, writeHeader } from './scene-datagram.js';
import type { SceneFormat } from './scene-transport.js';
import type { SceneUpdate } from './scene-update.js';

const OPEN_BRACKET = 0x5b;
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;

export interface PackTarget {
  readonly format: SceneFormat;
  readonly sceneIndex: number;
  /** The scene name as JSON text (quoted). */
  readonly sceneJson: string;
  readonly maxBytes: number;
  /** Updates from this device index are left out (0: none left out). */
  readonly skipDevice: number;
}

/** Calls `emit` with each packed payload, in update order. */
export function packUpdates(updates: Iterable<SceneUpdate>, target: PackTarget, emit: (payload: Buffer) => void): number {
  return target.format === 'binary' ? packBinary(updates, target, emit) : packJson(updates, target, emit);
}

/** The binary records of `updates`, back to back: written once per turn, then cut into payloads of each size by packRecords. */
export function writeRecords(updates: readonly SceneUpdate[]): Buffer {
  const records = Buffer.allocUnsafe(updates.length * RECORD_BYTES);
  const view = recordView(records);
  for (let i = 0; i < updates.length; i += 1) (updates[i] as SceneUpdate).writeRecord(view, i * RECORD_BYTES);
  return records;
}

/**
 * `records` (writeRecords) as binary payloads of at most `target.maxBytes`:
 * the same bytes packUpdates makes, by copying instead of encoding again.
 * Leaves nothing out: only for devices that skip none of the updates.
 */
export function packRecords(records: Buffer, target: PackTarget, emit: (payload: Buffer) => void): number {
  const perPayload = Math.max(1, Math.floor((target.maxBytes - HEADER_BYTES) / RECORD_BYTES));
  const count = Math.floor(records.length / RECORD_BYTES);
  for (let first = 0; first < count; first += perPayload) {
    const inPayload = Math.min(perPayload, count - first);
    const payload = Buffer.allocUnsafe(HEADER_BYTES + inPayload * RECORD_BYTES);
    writeHeader(payload, FLAG_FROM_SERVER, target.sceneIndex, 0);
    records.copy(payload, HEADER_BYTES, first * RECORD_BYTES, (first + inPayload) * RECORD_BYTES);
    emit(payload);
  }
  return count;
}

function packBinary(updates: Iterable<SceneUpdate>, target: PackTarget, emit: (payload: Buffer) => void): number {
  const perPayload = Math.max(1, Math.floor((target.maxBytes - HEADER_BYTES) / RECORD_BYTES));
  let buffer: Buffer | undefined;
  let view: DataView | undefined;
  let count = 0;
  let packed = 0;
  for (const update of updates) {
    if (update.fromDevice !== 0 && update.fromDevice === target.skipDevice) continue;
    if (buffer === undefined) {
      buffer = Buffer.allocUnsafe(HEADER_BYTES + perPayload * RECORD_BYTES);
      view = recordView(buffer);
      writeHeader(buffer, FLAG_FROM_SERVER, target.sceneIndex, 0);
    }
    update.writeRecord(view as DataView, HEADER_BYTES + count * RECORD_BYTES);
    count += 1;
    packed += 1;
    if (count === perPayload) {
      emit(buffer);
      buffer = undefined;
      count = 0;
    }
  }
  if (buffer !== undefined) emit(buffer.subarray(0, HEADER_BYTES + count * RECORD_BYTES));
  return packed;
}

function packJson(updates: Iterable<SceneUpdate>, target: PackTarget, emit: (payload: Buffer) => void): number {
  const parts: Buffer[] = [];
  let bytes = 0;
  let packed = 0;
  const flush = () => {
    const payload = Buffer.allocUnsafe(bytes + 1);
    let at = 0;
    for (let i = 0; i < parts.length; i += 1) {
      payload[at] = i === 0 ? OPEN_BRACKET : COMMA;
      at += 1 + (parts[i] as Buffer).copy(payload, at + 1);
    }
    payload[at] = CLOSE_BRACKET;
    emit(payload);
    parts.length = 0;
    bytes = 0;
  };
  for (const update of updates) {
    if (update.fromDevice !== 0 && update.fromDevice === target.skipDevice) continue;
    const json = update.json(target.sceneJson);
    // "[" or "," before each message, "]" after the last.
    if (parts.length > 0 && bytes + 1 + json.length + 1 > target.maxBytes) flush();
    parts.push(json);
    bytes += 1 + json.length;
    packed += 1;
  }
  if (parts.length > 0) flush();
  return packed;
}
