/**
 * The wire shapes of feeds (docs/protocol.md "Feeds"), shared by server and
 * client: the HTTP page and the WebSocket base and delta of a live feed.
 */

/** An item on a live feed; `data` is absent when the item has none. */
export interface WireFeedItem {
  readonly id: string;
  /** Epoch ms when the producer sent a time, or the number it sent. */
  readonly time: number;
  readonly data?: unknown;
}

/** Reply to the feed routes: newest first, each item its `data`, or its id where it has none. */
export interface FeedPageReply {
  readonly feed: string;
  readonly items: readonly unknown[];
  /** Pass as `cursor` for the next page; null on the last one. */
  readonly next: string | null;
  /** Pass as `since` later for only what is newer than this page's newest item. */
  readonly latest: string | null;
  readonly count: number;
  readonly maxItems: number;
}

/** The first page of a live feed at version `asOf`; deltas with `to <= asOf` are in it. */
export interface FeedBaseMessage {
  readonly type: 'base';
  readonly sub?: string;
  readonly feed: string;
  readonly asOf: number;
  readonly items: readonly WireFeedItem[];
}

/** Items that entered the first page and ids that left it, from version `from` to `to`. */
export interface FeedDeltaMessage {
  readonly type: 'delta';
  readonly sub?: string;
  readonly feed: string;
  readonly from: number;
  readonly to: number;
  readonly added: readonly WireFeedItem[];
  readonly removed: readonly string[];
}

/** The display form the HTTP page uses: the item's data, or its id where it has none. */
export function compactFeedItem(item: WireFeedItem): unknown {
  return item.data === undefined ? item.id : item.data;
}

/**
 * Feed ids in the server's order, UTF-8 byte order, compared without
 * encoding: that order is code-point order, and a lone surrogate counts as
 * the U+FFFD it is stored as. It runs in every sort of a live page.
 */
export function compareFeedIds(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = codePoint(a, i);
    const y = codePoint(b, j);
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return (a.length - i) - (b.length - j);
}

const REPLACEMENT_CHARACTER = 0xfffd;

function codePoint(text: string, index: number): number {
  const value = text.codePointAt(index) as number;
  return value >= 0xd800 && value <= 0xdfff ? REPLACEMENT_CHARACTER : value;
}
