/**
 * Reads a session's events from the store ahead of the playhead, a page at
 * a time, holding about two pages (memory per session is bounded). A reset
 * (seek, reverse) abandons the old scan; pages that arrive for an abandoned
 * scan are dropped. Events committed while playing are `offer`ed from the
 * live bus: those the scan has already passed are merged in order, the rest
 * are left for the scan to find, so none is lost and none comes twice.
 */
import { compareReplayOrder, type Position, type StoredEvent } from '../core/event.js';
import type { EventReader, ScanRequest } from '../store/event-store.js';

export interface PrefetcherEvents {
  /** A page arrived, or the scan ended: the consumer may continue. */
  onReady(): void;
  onError(error: unknown): void;
}

export class EventPrefetcher {
  readonly #reader: EventReader;
  readonly #pageSize: number;
  readonly #listener: PrefetcherEvents;
  #buffer: StoredEvent[] = [];
  #index = 0;
  #scan: AsyncIterator<readonly StoredEvent[]> | undefined = undefined;
  #request: ScanRequest | undefined = undefined;
  /** The last event taken, or the scan's starting point: offers at or before it are late. */
  #consumed: Position | undefined = undefined;
  /** Offers that arrived while a page was being read. */
  #offeredDuringFetch: StoredEvent[] = [];
  #fetching = false;
  #done = true;
  #generation = 0;

  constructor(reader: EventReader, pageSize: number, listener: PrefetcherEvents) {
    this.#reader = reader;
    this.#pageSize = pageSize;
    this.#listener = listener;
  }

  /** Starts reading `request` from its beginning, dropping whatever was buffered. */
  reset(request: ScanRequest | undefined): void {
    void this.#scan?.return?.();
    this.#generation += 1;
    this.#scan = undefined;
    this.#request = request === undefined ? undefined : { ...request, pageSize: this.#pageSize };
    this.#consumed = request?.after;
    this.#buffer = [];
    this.#index = 0;
    this.#offeredDuringFetch = [];
    this.#fetching = false;
    this.#done = request === undefined;
    this.refill();
  }

  peek(): StoredEvent | undefined {
    return this.#buffer[this.#index];
  }

  take(): StoredEvent | undefined {
    const event = this.#buffer[this.#index];
    if (event !== undefined) {
      this.#index += 1;
      this.#consumed = event;
    }
    if (this.#buffer.length - this.#index < this.#pageSize / 2) this.refill();
    return event;
  }

  /** True while a page is on its way. */
  get fetching(): boolean {
    return this.#fetching;
  }

  /** A newly committed event (from the live bus); merged if the scan will not reach it. */
  offer(event: StoredEvent): void {
    const request = this.#request;
    if (request === undefined || !this.#ahead(event, request)) return;
    if (this.#fetching) {
      this.#offeredDuringFetch.push(event);
      return;
    }
    const frontier = this.#buffer[this.#buffer.length - 1];
    if (this.#done) {
      if (this.#buffer.length - this.#index < 2 * this.#pageSize) return this.#insert(event);
      // Full: let a new scan from the frontier find it, so a viewer far behind live holds no more than this.
      this.#resumeScanAfter(frontier ?? event);
      return;
    }
    if (frontier !== undefined && this.#before(event, frontier, request)) this.#insert(event);
  }

  refill(): void {
    if (this.#fetching || this.#done || this.#request === undefined) return;
    this.#fetching = true;
    const generation = this.#generation;
    this.#scan ??= this.#reader.scan(this.#request)[Symbol.asyncIterator]();
    this.#scan.next().then((result) => {
      if (generation !== this.#generation) return;
      this.#fetching = false;
      const page = result.done === true ? [] : result.value;
      if (result.done === true) {
        this.#done = true;
        this.#scan = undefined;
      }
      this.#buffer = [...this.#buffer.slice(this.#index), ...page];
      this.#index = 0;
      this.#mergeOfferedDuring(page);
      this.#listener.onReady();
    }, (error: unknown) => {
      if (generation !== this.#generation) return;
      this.#fetching = false;
      this.#done = true;
      this.#scan = undefined;
      this.#listener.onError(error);
    });
  }

  /** Offers made while the page was read: keep those the page covers but does not hold (or all, once the scan is done). */
  #mergeOfferedDuring(page: readonly StoredEvent[]): void {
    const offered = this.#offeredDuringFetch;
    this.#offeredDuringFetch = [];
    const request = this.#request;
    if (offered.length === 0 || request === undefined) return;
    const inPage = new Set(page.map((event) => event.seq));
    const frontier = this.#buffer[this.#buffer.length - 1];
    for (const event of offered) {
      if (inPage.has(event.seq)) continue;
      if (this.#done || (frontier !== undefined && this.#before(event, frontier, request))) this.#insert(event);
    }
  }

  #resumeScanAfter(position: Position): void {
    if (this.#request === undefined) return;
    this.#request = { ...this.#request, after: position };
    this.#buffer = this.#buffer.filter((event, i) => i < this.#index || !this.#before(position, event, this.#request as ScanRequest));
    this.#done = false;
  }

  /** In the window and after what was consumed, in scan order. */
  #ahead(event: StoredEvent, request: ScanRequest): boolean {
    if (request.start !== undefined && event.ts < request.start) return false;
    if (request.end !== undefined && event.ts >= request.end) return false;
    return this.#consumed === undefined || this.#before(this.#consumed, event, request);
  }

  #before(a: Position, b: Position, request: ScanRequest): boolean {
    const order = compareReplayOrder(a, b);
    return request.order === 'asc' ? order < 0 : order > 0;
  }

  #insert(event: StoredEvent): void {
    const request = this.#request as ScanRequest;
    let low = this.#index;
    let high = this.#buffer.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#before(this.#buffer[middle] as StoredEvent, event, request)) low = middle + 1;
      else high = middle;
    }
    if (this.#buffer[low]?.seq === event.seq) return;
    this.#buffer.splice(low, 0, event);
  }
}
