/**
 * The compact binary layout of scene datagrams (docs/scenes.md "Binary
 * layout"): a 12-byte header, 56-byte records back to back, and, when
 * signed, an 8-byte truncated HMAC-SHA256 of everything before it.
 * Little-endian throughout.
 */
import { TRANSFORM_FLOATS } from './transform.js';

/** "PH": the first two bytes of every binary datagram (a JSON datagram starts with `{` or `[`). */
export const MAGIC_0 = 0x50;
export const MAGIC_1 = 0x48;
export const DATAGRAM_VERSION = 1;
export const HEADER_BYTES = 12;
export const RECORD_BYTES = 56;
/** Header flag: the datagram ends with a MAC. */
export const FLAG_SIGNED = 1;
/** Header flag: sent by the server (output), not by a device. */
export const FLAG_FROM_SERVER = 2;

/** Record field offsets. */
const OBJECT_OFFSET = 0;
const SEQ_OFFSET = 4;
const TIME_OFFSET = 8;
const FLOATS_OFFSET = 16;
const FLOAT_BYTES = 4;

export interface DatagramHeader {
  readonly flags: number;
  readonly sceneIndex: number;
  /** 0 when the sender named no device. */
  readonly deviceIndex: number;
}

export function isBinaryDatagram(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === MAGIC_0 && bytes[1] === MAGIC_1;
}

/** Reads the header; undefined when the datagram is shorter than one or has another version. */
export function readHeader(bytes: Buffer): DatagramHeader | undefined {
  if (bytes.length < HEADER_BYTES || bytes[2] !== DATAGRAM_VERSION) return undefined;
  return { flags: bytes[3] as number, sceneIndex: bytes.readUInt32LE(4), deviceIndex: bytes.readUInt32LE(8) };
}

export function writeHeader(target: Buffer, flags: number, sceneIndex: number, deviceIndex: number): void {
  target[0] = MAGIC_0;
  target[1] = MAGIC_1;
  target[2] = DATAGRAM_VERSION;
  target[3] = flags;
  target.writeUInt32LE(sceneIndex, 4);
  target.writeUInt32LE(deviceIndex, 8);
}

/** One record, as read in place from a datagram. */
export interface RecordView {
  objectIndex: number;
  seq: number;
  /** Epoch ms; 0 means "when received". */
  time: number;
}

/**
 * A DataView over `bytes`, to read or write its records with readRecord
 * and writeRecord: V8 inlines DataView's accessors, where Buffer's
 * readFloatLE and writeFloatLE cost ~5x as much per record (the delivery
 * thread reads every record received and writes every record sent).
 */
export function recordView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function readRecord(view: DataView, offset: number, into: RecordView, floats: Float64Array): void {
  into.objectIndex = view.getUint32(offset + OBJECT_OFFSET, true);
  into.seq = view.getUint32(offset + SEQ_OFFSET, true);
  into.time = view.getFloat64(offset + TIME_OFFSET, true);
  for (let i = 0; i < TRANSFORM_FLOATS; i += 1) floats[i] = view.getFloat32(offset + FLOATS_OFFSET + i * FLOAT_BYTES, true);
}

export function writeRecord(view: DataView, offset: number, objectIndex: number, seq: number, time: number, floats: ArrayLike<number>): void {
  view.setUint32(offset + OBJECT_OFFSET, objectIndex, true);
  view.setUint32(offset + SEQ_OFFSET, seq >>> 0, true);
  view.setFloat64(offset + TIME_OFFSET, time, true);
  for (let i = 0; i < TRANSFORM_FLOATS; i += 1) view.setFloat32(offset + FLOATS_OFFSET + i * FLOAT_BYTES, floats[i] as number, true);
}
