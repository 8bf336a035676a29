/**
 * Opaque pagination cursors: a keyset position plus a fingerprint of the
 * query it belongs to, base64url-encoded. A cursor resumes strictly after
 * its position, so pages never skip or repeat an event.
 */
import type { Position } from '../core/event.js';
import { PlayheadError } from '../core/errors.js';

export function encodeCursor(position: Position, query: string): string {
  return Buffer.from(JSON.stringify([position.ts, position.seq, query])).toString('base64url');
}

export function decodeCursor(cursor: string, query: string): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !Number.isSafeInteger(parsed[0]) || !Number.isSafeInteger(parsed[1])) {
    throw new PlayheadError('invalid_cursor', 'cursor is not one this server issued: pass the "next" value of the previous page unchanged');
  }
  if (parsed[2] !== query) {
    throw new PlayheadError('invalid_cursor', 'cursor belongs to another query: keep channel, start, end and order the same while paging');
  }
  return { ts: parsed[0] as number, seq: parsed[1] as number };
}
