/**
 * One WebSocket to /v1/ws shared by every subscription, reconnecting with
 * exponential backoff after a drop. Subscriptions re-open themselves on each
 * (re)connect, so a dropped connection costs a pause, not data.
 */
import type { ClientMessage } from '../src/protocol/client-actions.js';
import type { TransformMessage } from '../src/protocol/scene-messages.js';
import type { ServerMessage } from '../src/protocol/server-messages.js';

/** The part of the WebSocket API the client uses: the browser's, Node 22's, or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ConnectOptions {
  /** Sent as ?token= (browsers cannot set headers on a WebSocket). */
  readonly token?: string;
  /** The WebSocket class, where there is no global one (Node 20: the default export of the ws package). */
  readonly WebSocket?: WebSocketConstructor;
  /** First reconnect delay, ms; doubles up to `maxBackoffMs`. @default 250 */
  readonly minBackoffMs?: number;
  /** @default 10000 */
  readonly maxBackoffMs?: number;
}

export interface SubscriptionHandler {
  /** Called on every (re)connect: send what re-creates the subscription. */
  open(): void;
  receive(message: ServerMessage): void;
}

const OPEN = 1;

export class Connection {
  readonly #url: string;
  readonly #WebSocket: WebSocketConstructor;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #handlers = new Map<string, SubscriptionHandler>();
  /** Listeners of packed scene frames (JSON arrays of transforms, which carry no sub). */
  readonly #frames = new Set<(messages: readonly TransformMessage[]) => void>();
  #socket: WebSocketLike | undefined;
  #backoffMs: number;
  #closed = false;
  #nextSub = 0;
  #onStatus: (connected: boolean) => void = () => {};

  constructor(baseUrl: string, options: ConnectOptions) {
    const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (WebSocketClass === undefined) throw new TypeError('no global WebSocket here: pass connect(url, { WebSocket }) (in Node 20, the "ws" package)');
    const url = new URL('/v1/ws', baseUrl.replace(/^http/, 'ws'));
    if (options.token !== undefined) url.searchParams.set('token', options.token);
    this.#url = url.href;
    this.#WebSocket = WebSocketClass;
    this.#minBackoffMs = options.minBackoffMs ?? 250;
    this.#maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.#backoffMs = this.#minBackoffMs;
    this.#dial();
  }

  get connected(): boolean {
    return this.#socket?.readyState === OPEN;
  }

  /** Called with true on each (re)connect and false on each drop. */
  onStatus(listener: (connected: boolean) => void): void {
    this.#onStatus = listener;
  }

  add(handler: SubscriptionHandler): string {
    const sub = `s${++this.#nextSub}`;
    this.#handlers.set(sub, handler);
    // After the caller has stored `sub`: open() sends messages that carry it.
    if (this.connected) queueMicrotask(() => this.#handlers.get(sub) === handler && handler.open());
    return sub;
  }

  onFrame(listener: (messages: readonly TransformMessage[]) => void): () => void {
    this.#frames.add(listener);
    return () => this.#frames.delete(listener);
  }

  remove(sub: string): void {
    this.#handlers.delete(sub);
  }

  /** Sends now, or drops the message while disconnected (the subscription re-opens on reconnect). */
  send(message: ClientMessage): void {
    if (this.connected) this.#socket?.send(JSON.stringify(message));
  }

  /** Drops the socket as a network failure would (for tests); the client reconnects. */
  drop(): void {
    this.#socket?.close(4000);
  }

  close(): void {
    this.#closed = true;
    this.#socket?.close(1000);
  }

  #dial(): void {
    const socket = new this.#WebSocket(this.#url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#backoffMs = this.#minBackoffMs;
      this.#onStatus(true);
      for (const handler of this.#handlers.values()) handler.open();
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as ServerMessage | TransformMessage[];
      if (Array.isArray(message)) return this.#frames.forEach((listener) => listener(message));
      const handler = message.sub === undefined ? undefined : this.#handlers.get(message.sub);
      handler?.receive(message);
    };
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#onStatus(false);
      if (this.#closed) return;
      const delayMs = this.#backoffMs * (0.5 + Math.random() / 2);
      this.#backoffMs = Math.min(this.#maxBackoffMs, this.#backoffMs * 2);
      setTimeout(() => this.#closed || this.#dial(), delayMs);
    };
  }
}
