/**
 * Opaque pagination cursors: a keyset position plus a fingerprint of the
 * query it belongs to, base64url-encoded. A cursor resumes strictly after
 * its position, so pages never skip or repeat an event.
 */
import type { Position } from '../core/event.js';
import { PlayheadError } from '../core/errors.js';
import { decodeOpaqueCursor, encodeOpaqueCursor } from '../core/opaque-cursor.js';

export function encodeCursor(position: Position, query: string): string {
  return encodeOpaqueCursor([position.ts, position.seq, query]);
}

export function decodeCursor(cursor: string, query: string): Position {
  const parsed = decodeOpaqueCursor(cursor);
  if (parsed === undefined || parsed.length !== 3 || !Number.isSafeInteger(parsed[0]) || !Number.isSafeInteger(parsed[1])) {
    throw new PlayheadError('invalid_cursor', 'cursor is not one this server issued: pass the "next" value of the previous page unchanged');
  }
  if (parsed[2] !== query) {
    throw new PlayheadError('invalid_cursor', 'cursor belongs to another query: keep channel, start, end and order the same while paging');
  }
  return { ts: parsed[0] as number, seq: parsed[1] as number };
}
