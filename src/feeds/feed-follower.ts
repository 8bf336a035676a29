/**
 * Follows the first page of one feed: subscribes first, then reads the page
 * and its version, then applies every committed change in version order
 * (changes already in the page are skipped, none is applied twice), reading
 * the page again only where a change leaves a gap or a version is missing,
 * or where the bus says changes may have been missed.
 */
import type { FeedChange, FeedItem } from '../store/feed-store.js';
import type { FeedService } from './feed-service.js';
import { advanceWindow } from './feed-window.js';

export interface FeedFollowerOptions {
  readonly feeds: FeedService;
  readonly key: string;
  /** Items the page holds. */
  readonly limit: number;
  /** Called with the page after the first read and after each change that moved it. */
  readonly onPage: (items: readonly FeedItem[], version: number) => void;
  readonly onError: (error: unknown) => void;
}

export class FeedFollower {
  readonly #options: FeedFollowerOptions;
  readonly #unsubscribe: () => void;
  readonly #pending: FeedChange[] = [];
  #items: FeedItem[] = [];
  /** The version of #items; undefined until the first read. */
  #version: number | undefined = undefined;
  /** Changes may have been missed: read the page again. */
  #stale = false;
  #busy = false;
  #closed = false;

  constructor(options: FeedFollowerOptions) {
    this.#options = options;
    // Before the read: a change committed while it runs is held, not lost.
    this.#unsubscribe = options.feeds.subscribe(options.key, (change) => {
      if (change === undefined) this.#stale = true;
      else this.#pending.push(change);
      void this.#drive();
    });
    void this.#drive();
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
  }

  async #drive(): Promise<void> {
    if (this.#busy || this.#closed) return;
    this.#busy = true;
    try {
      let moved = false;
      if (this.#version === undefined || this.#stale) {
        const known = this.#version;
        this.#stale = false;
        await this.#reread(known !== undefined);
      }
      while (this.#pending.length > 0 && !this.#closed) {
        this.#pending.sort((a, b) => a.from - b.from);
        const change = this.#pending.shift() as FeedChange;
        const version = this.#version as number;
        if (change.to <= version) continue;
        const next = change.from === version ? advanceWindow(this.#items, this.#options.limit, change) : undefined;
        if (next === undefined) {
          // A gap in the page, or a version this node never saw (another writer): the store has the answer.
          await this.#reread();
          moved = false;
          continue;
        }
        this.#items = next;
        this.#version = change.to;
        moved = true;
      }
      if (moved && !this.#closed) this.#options.onPage(this.#items, this.#version as number);
    } catch (error) {
      this.close();
      this.#options.onError(error);
    } finally {
      this.#busy = false;
    }
    if ((this.#pending.length > 0 || this.#stale) && !this.#closed) void this.#drive();
  }

  /** Reads the page; with `onlyIfMoved`, tells onPage only when its version moved. */
  async #reread(onlyIfMoved = false): Promise<void> {
    const page = await this.#options.feeds.firstPage(this.#options.key, this.#options.limit);
    if (this.#closed) return;
    const moved = page.version !== this.#version;
    this.#items = [...page.items];
    this.#version = page.version;
    if (moved || !onlyIfMoved) this.#options.onPage(this.#items, page.version);
  }
}
