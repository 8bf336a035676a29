/**
 * The PostgreSQL NOTIFY channels one Playhead deployment uses. A NOTIFY
 * channel is an identifier (at most 63 bytes), so Playhead channels are not
 * mapped to NOTIFY channels one to one: every batch travels on `<prefix>_live`
 * with its channel in the payload, and notices, heartbeats and reconnect hints
 * each get a channel of their own.
 */
import { createHash } from 'node:crypto';

export interface NotifyChannels {
  /** Event batches and oversize hints of every Playhead channel. */
  readonly live: string;
  /** Notices (LiveBus#notify), topic in the payload. */
  readonly notice: string;
  /** Heartbeats, for GET /v1/cluster. */
  readonly nodes: string;
  /** "I was disconnected: read your channels from the store." */
  readonly hint: string;
}

/** PostgreSQL's NAMEDATALEN - 1: a longer name is truncated by LISTEN and refused by pg_notify. */
export const MAX_NOTIFY_CHANNEL_BYTES = 63;

const DEFAULT_NOTIFY_PREFIX = 'playhead';

const SUFFIXES = ['live', 'notice', 'nodes', 'hint'] as const;
const LONGEST_SUFFIX_BYTES = Math.max(...SUFFIXES.map((suffix) => suffix.length)) + '_'.length;
/** Hex digits of the hash that stands in for a prefix too long to fit. */
const HASHED_PREFIX_DIGITS = 16;

/** The channels of one deployment; a prefix too long for an identifier is replaced by `playhead_<hash>`, the same on every node. */
export function notifyChannels(prefix: string = DEFAULT_NOTIFY_PREFIX): NotifyChannels {
  if (prefix.length === 0) throw new RangeError('PostgresBus channelPrefix must not be empty');
  const fits = Buffer.byteLength(prefix) + LONGEST_SUFFIX_BYTES <= MAX_NOTIFY_CHANNEL_BYTES;
  const base = fits ? prefix : `${DEFAULT_NOTIFY_PREFIX}_${createHash('sha256').update(prefix).digest('hex').slice(0, HASHED_PREFIX_DIGITS)}`;
  return Object.freeze({ live: `${base}_live`, notice: `${base}_notice`, nodes: `${base}_nodes`, hint: `${base}_hint` });
}

/**
 * The prefix for a store's PostgreSQL schema: NOTIFY reaches every session
 * of the database, so deployments in two schemas of one database must not
 * share channels. `public` (or none) keeps the plain prefix.
 */
export function notifyPrefixForSchema(schema: string | undefined): string {
  return schema === undefined || schema === 'public' ? DEFAULT_NOTIFY_PREFIX : `${DEFAULT_NOTIFY_PREFIX}_${schema}`;
}
