/**
 * Opaque feed cursors: a (time, id) position plus the feed key, base64url.
 * Pages resume strictly after a cursor, so they never skip or repeat an item
 * that stays in place between pages.
 */
import { PlayheadError } from '../core/errors.js';
import { decodeOpaqueCursor, encodeOpaqueCursor } from '../core/opaque-cursor.js';
import type { FeedPosition } from '../store/feed-store.js';

export function encodeFeedCursor(position: FeedPosition, key: string): string {
  return encodeOpaqueCursor([position.time, position.id, key]);
}

export function decodeFeedCursor(cursor: string, key: string, field: string): FeedPosition {
  const parsed = decodeOpaqueCursor(cursor);
  if (parsed === undefined || parsed.length !== 3 || !Number.isFinite(parsed[0]) || typeof parsed[1] !== 'string') {
    throw new PlayheadError('invalid_cursor', `${field} is not a cursor this server issued: pass a "next" or "latest" value unchanged`);
  }
  if (parsed[2] !== key) throw new PlayheadError('invalid_cursor', `${field} belongs to feed ${JSON.stringify(parsed[2])}, not ${key}`);
  return { time: parsed[0] as number, id: parsed[1] as string };
}
