/**
 * Channel names: 1-128 characters of `[A-Za-z0-9._:-]` (safe in URLs, keys and SQL),
 * optionally followed by one `/key=value` of the same characters: the channels a
 * source splits its table into (`trips/vendor_id=2`, docs/sources.md).
 */
import { describeValue } from './describe-value.js';
import { PlayheadError } from './errors.js';

export const CHANNEL_NAME_MAX_CHARS = 128;
/** A plain channel name; feed keys follow the same rule. */
export const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const KEYED_CHANNEL_NAME_PATTERN = /^[A-Za-z0-9._:-]+\/[A-Za-z0-9._:-]+=[A-Za-z0-9._:-]+$/;

export function isChannelName(value: unknown): value is string {
  return typeof value === 'string'
    && (CHANNEL_NAME_PATTERN.test(value) || (value.length <= CHANNEL_NAME_MAX_CHARS && KEYED_CHANNEL_NAME_PATTERN.test(value)));
}

/** Returns the name unchanged; throws `invalid_channel` saying the rule. */
export function validateChannelName(value: unknown): string {
  if (isChannelName(value)) return value;
  throw new PlayheadError(
    'invalid_channel',
    `channel name must be 1-${CHANNEL_NAME_MAX_CHARS} characters of A-Z a-z 0-9 . _ : -, got ${describeValue(value)}`,
  );
}
