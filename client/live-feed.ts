/**
 * A feed seen from the client: add and delete over HTTP, pages newest first,
 * and the first page kept live from the server's base and deltas (same
 * rules as views: deltas already in the base are skipped, none is applied
 * twice, a reconnect starts from a fresh base).
 */
import { compareFeedIds, type FeedBaseMessage, type FeedDeltaMessage, type FeedPageReply, type WireFeedItem } from '../src/protocol/feed-messages.js';
import type { ServerMessage } from '../src/protocol/server-messages.js';
import { PlayheadClientError } from './client-error.js';
import type { Connection } from './connection.js';

/** An item as a producer sends it: `time` is ISO-8601, epoch ms or any number; omitted means now. */
export interface FeedItemInput {
  readonly id: string | number;
  readonly time?: string | number;
  readonly data?: unknown;
}

export interface FeedOptions {
  /** Items the live page holds. @default 50 */
  readonly limit?: number;
}

export class LiveFeed {
  readonly key: string;
  /** Resolves on the first base; rejects if the server refuses the feed. */
  readonly ready: Promise<void>;
  readonly #connection: Connection;
  readonly #http: string;
  readonly #headers: Record<string, string>;
  readonly #limit: number | undefined;
  readonly #sub: string;
  readonly #listeners = new Set<(items: readonly WireFeedItem[]) => void>();
  #items: WireFeedItem[] = [];
  #position: number | undefined = undefined;
  #early: FeedDeltaMessage[] = [];
  #settle: { resolve(): void; reject(error: PlayheadClientError): void } | undefined;

  constructor(connection: Connection, key: string, http: string, token: string | undefined, options: FeedOptions) {
    this.#connection = connection;
    this.key = key;
    this.#http = `${http}/v1/feeds/${encodeURIComponent(key)}`;
    this.#headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
    this.#limit = options.limit;
    this.ready = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.ready.catch(() => {});
    this.#sub = connection.add({ open: () => this.#open(), receive: (message) => this.#receive(message) });
  }

  /** The live first page, newest first. */
  get items(): readonly WireFeedItem[] {
    return this.#items;
  }

  /** Called with the items after every change. */
  onChange(listener: (items: readonly WireFeedItem[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Adds or moves items; resolves with the first page after the write. */
  add(items: FeedItemInput | readonly FeedItemInput[]): Promise<FeedPageReply> {
    return this.#call('POST', '/items', items);
  }

  delete(id: string | number): Promise<FeedPageReply> {
    return this.#call('DELETE', `/items/${encodeURIComponent(id)}`);
  }

  /** Every page newest first (or only what is newer than `since`, a `latest` cursor). */
  async *pages(options: { readonly limit?: number; readonly since?: string } = {}): AsyncGenerator<FeedPageReply> {
    let cursor: string | null | undefined;
    do {
      const query = new URLSearchParams();
      if (options.limit !== undefined) query.set('limit', String(options.limit));
      if (options.since !== undefined) query.set('since', options.since);
      if (cursor) query.set('cursor', cursor);
      const page = await this.#call('GET', `?${query}`);
      yield page;
      cursor = page.next;
    } while (cursor);
  }

  stop(): void {
    this.#connection.send({ action: 'stop', sub: this.#sub });
    this.#connection.remove(this.#sub);
  }

  async #call(method: string, path: string, body?: unknown): Promise<FeedPageReply> {
    const headers = body === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' };
    const reply = await fetch(this.#http + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await reply.json();
    if (!reply.ok) throw new PlayheadClientError(json.error.code, json.error.message);
    return json;
  }

  #open(): void {
    this.#position = undefined;
    this.#early = [];
    this.#connection.send({ action: 'feed', sub: this.#sub, feed: this.key, limit: this.#limit });
  }

  #receive(message: ServerMessage): void {
    // Feed messages share the base/delta types with views; the shape is told apart by `feed`.
    const feedMessage = message as unknown as FeedBaseMessage | FeedDeltaMessage | ServerMessage;
    if (feedMessage.type === 'base' && 'feed' in feedMessage) return this.#base(feedMessage);
    if (feedMessage.type === 'delta' && 'feed' in feedMessage) return this.#delta(feedMessage);
    if (message.type === 'error') {
      this.#settle?.reject(new PlayheadClientError(message.code, message.message));
      this.#settle = undefined;
    }
  }

  #base(message: FeedBaseMessage): void {
    this.#items = [...message.items];
    this.#position = message.asOf;
    for (const delta of this.#early.splice(0)) this.#apply(delta);
    this.#settle?.resolve();
    this.#settle = undefined;
    this.#emit();
  }

  #delta(message: FeedDeltaMessage): void {
    if (this.#position === undefined) return void this.#early.push(message);
    if (this.#apply(message)) this.#emit();
  }

  #apply(delta: FeedDeltaMessage): boolean {
    if (this.#position === undefined || delta.to <= this.#position) return false;
    const removed = new Set(delta.removed);
    this.#items = this.#items.filter((item) => !removed.has(item.id)).concat(delta.added);
    this.#items.sort((a, b) => b.time - a.time || compareFeedIds(b.id, a.id));
    this.#position = delta.to;
    return true;
  }

  #emit(): void {
    for (const listener of this.#listeners) listener(this.#items);
  }
}
