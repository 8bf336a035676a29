/** Limits of the feeds domain, each with its unit and default (STYLE "options"). */

export interface FeedLimits {
  /** The bound of a feed never configured with PUT, in items. @default 100 */
  readonly defaultMaxItems: number;
  /** Largest bound PUT accepts, in items. @default 10,000 */
  readonly maxMaxItems: number;
  /** Largest `data` of one item, in bytes of its JSON. @default 16 KiB */
  readonly maxItemDataBytes: number;
  /** Most items one add request carries. @default 1,000 */
  readonly maxBatchItems: number;
  /** Items per page when the reader names no limit, and in the reply to a write. @default 50 */
  readonly defaultPageItems: number;
  /** Most items one page returns. @default 1,000 */
  readonly maxPageItems: number;
}

export const FEED_DEFAULTS: FeedLimits = Object.freeze({
  defaultMaxItems: 100,
  maxMaxItems: 10_000,
  maxItemDataBytes: 16 << 10,
  maxBatchItems: 1_000,
  defaultPageItems: 50,
  maxPageItems: 1_000,
});
