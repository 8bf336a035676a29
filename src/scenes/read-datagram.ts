/**
 * Reads one input datagram (binary or JSON, signed or not) into accepted
 * updates and heartbeats. Nothing here throws: every bad datagram or record
 * is dropped and counted, on its scene when the scene is known.
 */
import { MAC_BYTES, splitJsonMac, verifyMac } from './datagram-mac.js';
import type { Scene } from './scene.js';
import type { SceneDevice } from './scene-device.js';
import { FLAG_SIGNED, HEADER_BYTES, isBinaryDatagram, readHeader, readRecord, RECORD_BYTES, recordView, type RecordView } from './scene-datagram.js';
import { dropReasonOf } from './scene-input-error.js';
import type { DropReason } from './scene-stats.js';
import { isFiniteTransform, TRANSFORM_FLOATS } from './transform.js';
import { parseTransformInput } from './transform-input.js';

export interface DatagramContext {
  sceneAt(index: number): Scene | undefined;
  sceneNamed(name: string): Scene | undefined;
  /** Counts a drop that no known scene can be charged with. */
  dropUnattributed(reason: DropReason): void;
  /** Wall time, epoch ms (an update without a time gets it). */
  now(): number;
  /** Monotonic ms (heartbeats). */
  monotonic(): number;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const scratch = new Float64Array(TRANSFORM_FLOATS);
const view: RecordView = { objectIndex: 0, seq: 0, time: 0 };

export function readDatagram(bytes: Buffer, from: string, context: DatagramContext): void {
  if (isBinaryDatagram(bytes)) readBinary(bytes, from, context);
  else if (bytes[0] === OPEN_BRACE || bytes[0] === OPEN_BRACKET) readJson(bytes, from, context);
  else context.dropUnattributed('malformed');
}

function readBinary(bytes: Buffer, from: string, context: DatagramContext): void {
  const header = readHeader(bytes);
  if (header === undefined) return context.dropUnattributed('truncated');
  const scene = context.sceneAt(header.sceneIndex);
  if (scene === undefined) return context.dropUnattributed('unknownScene');
  const signed = (header.flags & FLAG_SIGNED) !== 0;
  const end = bytes.length - (signed ? MAC_BYTES : 0);
  if (end < HEADER_BYTES || (end - HEADER_BYTES) % RECORD_BYTES !== 0) {
    scene.counters.dropped.truncated += 1;
    return;
  }
  const device = header.deviceIndex === 0 ? scene.deviceFrom(from) : scene.deviceAt(header.deviceIndex);
  if (header.deviceIndex !== 0 && device === undefined) {
    scene.counters.dropped.unknownDevice += 1;
    return;
  }
  if (scene.auth && (!signed || device === undefined || !verifyMac(device.secret, bytes.subarray(0, end), bytes.subarray(end)))) {
    scene.counters.dropped.forged += 1;
    return;
  }
  if (device !== undefined) device.lastSeenMs = context.monotonic();
  if (end === HEADER_BYTES) {
    scene.counters.heartbeats += 1;
    return;
  }
  const fromDevice = device?.index ?? 0;
  const records = recordView(bytes);
  for (let offset = HEADER_BYTES; offset < end; offset += RECORD_BYTES) {
    readRecord(records, offset, view, scratch);
    const object = scene.objectAt(view.objectIndex);
    if (object === undefined) {
      scene.counters.dropped.unknownObject += 1;
    } else if (!isFiniteTransform(scratch) || !Number.isFinite(view.time)) {
      scene.counters.dropped.invalid += 1;
    } else {
      scene.apply(object, view.seq, view.time === 0 ? context.now() : view.time, scratch, fromDevice);
    }
  }
}

function readJson(bytes: Buffer, from: string, context: DatagramContext): void {
  const split = splitJsonMac(bytes);
  const text = split?.text ?? bytes;
  let value: unknown;
  try {
    value = JSON.parse(text.toString('utf8'));
  } catch {
    return context.dropUnattributed('malformed');
  }
  const items = Array.isArray(value) ? value : [value];
  const now = context.now();
  /** The MAC is checked once per datagram per device. */
  const verified = new Map<SceneDevice, boolean>();
  for (const item of items) {
    const sceneName = typeof item === 'object' && item !== null ? (item as { scene?: unknown }).scene : undefined;
    const scene = typeof sceneName === 'string' ? context.sceneNamed(sceneName) : undefined;
    if (scene === undefined) {
      context.dropUnattributed(typeof sceneName === 'string' ? 'unknownScene' : 'invalid');
      continue;
    }
    try {
      const input = parseTransformInput(item, now);
      const device = input.device === undefined ? scene.deviceFrom(from) : scene.device(input.device);
      if (input.device !== undefined && device === undefined) {
        scene.counters.dropped.unknownDevice += 1;
        continue;
      }
      if (scene.auth) {
        if (split === undefined || device === undefined || input.device === undefined) {
          scene.counters.dropped.forged += 1;
          continue;
        }
        let ok = verified.get(device);
        if (ok === undefined) verified.set(device, (ok = verifyMac(device.secret, split.text, split.mac)));
        if (!ok) {
          scene.counters.dropped.forged += 1;
          continue;
        }
      }
      if (device !== undefined) device.lastSeenMs = context.monotonic();
      if (input.object === undefined) {
        scene.counters.heartbeats += 1;
        continue;
      }
      const object = scene.objects.get(input.object);
      if (object === undefined) {
        scene.counters.dropped.unknownObject += 1;
        continue;
      }
      scene.applyParts(object, input.seq, input.time ?? now, input.parts, device?.index ?? 0);
    } catch (error) {
      scene.counters.dropped[dropReasonOf(error)] += 1;
    }
  }
}
