/** Feed keys: 1-128 characters of `[A-Za-z0-9._:-]`, the channel-name rule (safe in URLs, scopes and SQL). */
import { CHANNEL_NAME_PATTERN } from '../core/channel-name.js';
import { describeValue } from '../core/describe-value.js';
import { PlayheadError } from '../core/errors.js';


export function isFeedKey(value: unknown): value is string {
  return typeof value === 'string' && CHANNEL_NAME_PATTERN.test(value);
}

/** Returns the key unchanged; throws `invalid_parameter` saying the rule. */
export function validateFeedKey(value: unknown): string {
  // GET /v1/feeds/rules lists the feed rules, so no feed can be read under that key.
  if (value === 'rules') throw new PlayheadError('invalid_parameter', 'feed key "rules" is reserved (GET /v1/feeds/rules lists the feed rules): choose another key');
  if (isFeedKey(value)) return value;
  throw new PlayheadError('invalid_parameter', `feed key must be 1-128 characters of A-Z a-z 0-9 . _ : -, got ${describeValue(value)}`);
}

/** What access scopes name for a feed: `read:feed:user:*` covers every feed whose key starts with "user:". */
export function feedScopeTarget(key: string): string {
  return `feed:${key}`;
}
