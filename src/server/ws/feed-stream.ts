/**
 * One feed subscription on a WebSocket: the first page as a base, then
 * deltas (items in, ids out; an item pushed past the page is an id out).
 * While the client's send buffer is over the limit nothing is queued: the
 * next delta, once it drains, goes from what the client has to the page now.
 */
import type { WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { PlayheadError, isPlayheadError } from '../../core/errors.js';
import { FeedFollower } from '../../feeds/feed-follower.js';
import type { FeedService } from '../../feeds/feed-service.js';
import { diffWindows } from '../../feeds/feed-window.js';
import type { FeedBaseMessage, FeedDeltaMessage } from '../../protocol/feed-messages.js';
import type { FeedItem } from '../../store/feed-store.js';
import { encodeError } from './message-encoder.js';

/** How often a congested client is checked for having drained, ms. */
const DRAIN_CHECK_MS = 50;

export interface FeedStreamOptions {
  readonly socket: WebSocket;
  readonly sub: string;
  readonly key: string;
  readonly limit: number;
  readonly feeds: FeedService;
  readonly clock: Clock;
  readonly maxBufferedBytes: number;
  readonly logError: (error: unknown) => void;
}

export class FeedStream {
  readonly #options: FeedStreamOptions;
  readonly #follower: FeedFollower;
  /** What the client holds: the base or the last delta sent. */
  #sent: readonly FeedItem[] | undefined = undefined;
  #sentVersion = 0;
  #current: readonly FeedItem[] = [];
  #currentVersion = 0;
  #drainTimer: TimerHandle | undefined = undefined;

  constructor(options: FeedStreamOptions) {
    this.#options = options;
    this.#follower = new FeedFollower({
      feeds: options.feeds, key: options.key, limit: options.limit,
      onPage: (items, version) => this.#onPage(items, version),
      onError: (error) => this.#onError(error),
    });
  }

  close(): void {
    this.#follower.close();
    this.#drainTimer?.cancel();
  }

  #onPage(items: readonly FeedItem[], version: number): void {
    this.#current = items;
    this.#currentVersion = version;
    if (this.#sent === undefined) {
      const base: FeedBaseMessage = { type: 'base', sub: this.#options.sub, feed: this.#options.key, asOf: version, items };
      this.#sent = items;
      this.#sentVersion = version;
      this.#send(base);
      return;
    }
    this.#flush();
  }

  #flush(): void {
    this.#drainTimer?.cancel();
    this.#drainTimer = undefined;
    if (this.#sent === undefined || this.#currentVersion <= this.#sentVersion) return;
    if (this.#options.socket.bufferedAmount > this.#options.maxBufferedBytes) {
      this.#drainTimer = this.#options.clock.setTimer(DRAIN_CHECK_MS, () => this.#flush());
      return;
    }
    const { added, removed } = diffWindows(this.#sent, this.#current);
    // A change outside the page moves no item: the client's position stays, the next delta starts from it.
    if (added.length === 0 && removed.length === 0) return;
    const delta: FeedDeltaMessage = {
      type: 'delta', sub: this.#options.sub, feed: this.#options.key, from: this.#sentVersion, to: this.#currentVersion, added, removed,
    };
    this.#sent = this.#current;
    this.#sentVersion = this.#currentVersion;
    this.#send(delta);
  }

  #onError(error: unknown): void {
    if (!isPlayheadError(error)) this.#options.logError(error);
    const reply = isPlayheadError(error) ? error : new PlayheadError('internal', 'internal error: the server logged the details');
    if (this.#options.socket.readyState === this.#options.socket.OPEN) this.#options.socket.send(encodeError(reply, this.#options.sub));
  }

  #send(message: FeedBaseMessage | FeedDeltaMessage): void {
    if (this.#options.socket.readyState === this.#options.socket.OPEN) this.#options.socket.send(JSON.stringify(message));
  }
}
