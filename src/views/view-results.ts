/**
 * How a view's results travel from the node that computes it (its owner) to
 * the other nodes (docs/scaling.md "Ownership"). Changes go over the bus as
 * notices, numbered within the owner's term (its epoch). The bus is best
 * effort, so a node that misses a change, or hears of a new owner, asks for
 * a snapshot: the owner stores its rows in the feed store (one item per
 * view, replaced each time) and says so on the bus.
 */
import type { FeedStore } from '../store/feed-store.js';
import type { RankedRow } from './ranked-rows.js';

export type ViewResultNotice =
  /** The changes that took the owner's rows from version `from` to `to`. */
  | { readonly kind: 'changes'; readonly epoch: string; readonly from: number; readonly to: number; readonly rows: readonly RankedRow[]; readonly gone: readonly string[] }
  /** Sent when a term starts and now and then: where the owner's rows are, so a node behind it asks for a snapshot. */
  | { readonly kind: 'at'; readonly epoch: string; readonly version: number }
  /** A snapshot at this version is stored. */
  | { readonly kind: 'stored'; readonly epoch: string; readonly version: number };

export interface ViewSnapshot {
  readonly epoch: string;
  readonly version: number;
  readonly rows: readonly RankedRow[];
}

/** Where a view's owner sends its results; `id` is the seq of the view's definition (a view made again under its name is another view). */
export function viewResultsTopic(id: number): string {
  return `view.${id}`;
}

/** Where a node that needs a snapshot of a view asks its owner for one. */
export function viewSnapshotRequestTopic(id: number): string {
  return `view-sync.${id}`;
}

/** Feed keys of snapshots: a view name may be 128 characters, a feed key too. */
export const VIEW_SNAPSHOT_FEED_PREFIX = 'playhead.view-snapshots:';
const SNAPSHOT_ITEM_ID = 'rows';

/** The newest snapshot of each view, one feed item per view in the feed store. */
export class ViewSnapshotStore {
  readonly #feeds: FeedStore;

  constructor(feeds: FeedStore) {
    this.#feeds = feeds;
  }

  async write(id: number, snapshot: ViewSnapshot): Promise<void> {
    const key = `${VIEW_SNAPSHOT_FEED_PREFIX}${id}`;
    const item = { id: SNAPSHOT_ITEM_ID, time: snapshot.version, dataJson: JSON.stringify(snapshot) };
    await this.#feeds.write([{ kind: 'add', key, items: [item] }], { defaultMaxItems: 1 });
  }

  async read(id: number): Promise<ViewSnapshot | undefined> {
    const page = await this.#feeds.read(`${VIEW_SNAPSHOT_FEED_PREFIX}${id}`, { limit: 1 });
    return page.items[0]?.data as ViewSnapshot | undefined;
  }

  async forget(id: number): Promise<void> {
    await this.#feeds.write([{ kind: 'drop', key: `${VIEW_SNAPSHOT_FEED_PREFIX}${id}` }], { defaultMaxItems: 1 });
  }
}
