/**
 * The item keys of the DynamoDB store (one table; partition key `pk` string,
 * sort key `sk` binary). Numbers in sort keys are 8-byte big-endian with an
 * offset, so DynamoDB's byte order is numeric order: events sort by (ts, seq).
 *
 * | item | pk | sk |
 * |---|---|---|
 * | event | `e#CHANNEL#BUCKET` (ts / bucketMs) | ts, seq (16 bytes) |
 * | id claim | `i#CHANNEL` | the id, UTF-8 |
 * | channel | `c#CHANNEL` | 0x00 |
 * | channel list | `channels` | the name, UTF-8 |
 * | bucket list | `b#CHANNEL` | bucket (8 bytes) |
 * | histogram count | `h#CHANNEL#LEVEL` | granule start (8 bytes) |
 */

/** Every stored ts is within ±8.64e15 (core/time.ts) < 2^53: the offset keeps the encoded value non-negative. */
const OFFSET = 2n ** 53n;
const META_SORT_KEY = new Uint8Array([0]);
const encoder = new TextEncoder();

export function encodeNumber(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(Math.trunc(value)) + OFFSET);
  return bytes;
}

export function decodeNumber(bytes: Uint8Array, at = 0): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(at) - OFFSET);
}

/** (ts, seq) as 16 bytes whose byte order is replay order. */
export function positionKey(ts: number, seq: number): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes.set(encodeNumber(ts), 0);
  bytes.set(encodeNumber(seq), 8);
  return bytes;
}

export const keys = Object.freeze({
  event: (channel: string, bucket: number) => `e#${channel}#${bucket}`,
  claim: (channel: string) => `i#${channel}`,
  claimSort: (id: string) => encoder.encode(id),
  channel: (channel: string) => `c#${channel}`,
  channelSort: META_SORT_KEY,
  channelList: 'channels',
  channelListSort: (channel: string) => encoder.encode(channel),
  buckets: (channel: string) => `b#${channel}`,
  histogram: (channel: string, levelMs: number) => `h#${channel}#${levelMs}`,
});
