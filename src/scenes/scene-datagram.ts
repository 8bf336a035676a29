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

export function readRecord(bytes: Buffer, offset: number, into: RecordView, floats: Float64Array): void {
  into.objectIndex = bytes.readUInt32LE(offset + OBJECT_OFFSET);
  into.seq = bytes.readUInt32LE(offset + SEQ_OFFSET);
  into.time = bytes.readDoubleLE(offset + TIME_OFFSET);
  for (let i = 0; i < TRANSFORM_FLOATS; i += 1) floats[i] = bytes.readFloatLE(offset + FLOATS_OFFSET + i * FLOAT_BYTES);
}

export function writeRecord(target: Buffer, offset: number, objectIndex: number, seq: number, time: number, floats: ArrayLike<number>): void {
  target.writeUInt32LE(objectIndex, offset + OBJECT_OFFSET);
  target.writeUInt32LE(seq >>> 0, offset + SEQ_OFFSET);
  target.writeDoubleLE(time, offset + TIME_OFFSET);
  for (let i = 0; i < TRANSFORM_FLOATS; i += 1) target.writeFloatLE(floats[i] as number, offset + FLOATS_OFFSET + i * FLOAT_BYTES);
}
