/**
 * The first page of a feed as a live subscriber holds it, moved forward by
 * each committed change without reading the store, except where the change
 * leaves a gap only the store can fill (an item of the page was removed and
 * the feed held more than the page).
 */
import { compareFeedIds } from '../protocol/feed-messages.js';
import type { FeedChange, FeedItem, FeedPosition } from '../store/feed-store.js';

/** Newest first: time descending, then id descending by UTF-8 bytes (code points). */
export function compareNewestFirst(a: FeedPosition, b: FeedPosition): number {
  if (a.time !== b.time) return b.time > a.time ? 1 : -1;
  return compareFeedIds(b.id, a.id);
}

/**
 * The page after `change`, or undefined when it cannot be known from the
 * page and the change alone (the caller reads the first page again).
 */
export function advanceWindow(window: readonly FeedItem[], limit: number, change: FeedChange): FeedItem[] | undefined {
  const removed = new Set(change.removed.map((item) => item.id));
  const candidates = window.filter((item) => !removed.has(item.id));
  candidates.push(...change.added);
  candidates.sort(compareNewestFirst);
  const next = candidates.slice(0, limit);
  const countBefore = change.count - change.added.length + change.removed.length;
  if (countBefore <= window.length) return next; // the page was the whole feed
  const cutoff = window[window.length - 1];
  const last = next[next.length - 1];
  // Beyond the old page lie unseen items older than its last one: the new page is known only if it stops above them.
  if (next.length < limit || cutoff === undefined || last === undefined || compareNewestFirst(last, cutoff) > 0) return undefined;
  return next;
}

/** What a client must do to go from `before` to `after`: ids to remove, then items to add. */
export function diffWindows(before: readonly FeedItem[], after: readonly FeedItem[]): { added: FeedItem[]; removed: string[] } {
  const identity = (item: FeedItem) => `${item.time}\u0000${JSON.stringify(item.data) ?? ''}`;
  const old = new Map(before.map((item) => [item.id, identity(item)]));
  const now = new Map(after.map((item) => [item.id, identity(item)]));
  const removed = before.filter((item) => now.get(item.id) !== identity(item)).map((item) => item.id);
  const added = after.filter((item) => old.get(item.id) !== identity(item));
  return { added, removed };
}
