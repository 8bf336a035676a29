/**
 * Datagram authentication (docs/scenes.md "HMAC"): HMAC-SHA256 of the
 * datagram's bytes under the device secret, truncated to 8 bytes. Binary
 * datagrams append the 8 bytes; JSON datagrams append "\n" and 16 hex digits.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAC_BYTES = 8;
export const JSON_MAC_SUFFIX_BYTES = 1 + MAC_BYTES * 2;
const NEWLINE = 0x0a;

export function datagramMac(secret: Buffer, bytes: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(bytes).digest().subarray(0, MAC_BYTES);
}

/** Whether `mac` is the truncated HMAC of `bytes` (constant-time compare). */
export function verifyMac(secret: Buffer, bytes: Uint8Array, mac: Uint8Array): boolean {
  return mac.length === MAC_BYTES && timingSafeEqual(datagramMac(secret, bytes), mac);
}

/** Splits a signed JSON datagram into its JSON text and its MAC; undefined when it has no MAC suffix. */
export function splitJsonMac(bytes: Buffer): { readonly text: Buffer; readonly mac: Buffer } | undefined {
  const at = bytes.length - JSON_MAC_SUFFIX_BYTES;
  if (at < 0 || bytes[at] !== NEWLINE) return undefined;
  const hex = bytes.subarray(at + 1).toString('latin1');
  if (!/^[0-9a-f]{16}$/.test(hex)) return undefined;
  return { text: bytes.subarray(0, at), mac: Buffer.from(hex, 'hex') };
}

/** A JSON datagram signed for sending: text + "\n" + 16 hex digits. */
export function signJson(secret: Buffer, text: string): Buffer {
  const body = Buffer.from(text);
  return Buffer.concat([body, Buffer.from(`\n${datagramMac(secret, body).toString('hex')}`)]);
}

/** A binary datagram signed for sending: bytes + 8-byte MAC (the caller set FLAG_SIGNED in the header). */
export function signBinary(secret: Buffer, bytes: Buffer): Buffer {
  return Buffer.concat([bytes, datagramMac(secret, bytes)]);
}
