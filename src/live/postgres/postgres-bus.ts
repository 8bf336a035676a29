/**
 * A LiveBus across nodes over PostgreSQL LISTEN/NOTIFY: the bus of a small
 * cluster that runs no extra service (DESIGN: the store's database is the
 * broker, we write none). Like NatsBus, a batch reaches this node's
 * subscribers at once and the other nodes soon after; they may see batches
 * of two nodes out of order, and LiveTail restores the order from the store.
 * A batch too large for a NOTIFY payload (under 8000 bytes) travels as a
 * hint, an empty batch, and after a reconnect every node is hinted for every
 * channel; notices likewise become `null` for the other nodes when too
 * large, and for every topic after a reconnect. One connection per node both
 * listens and notifies.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import type { StoredEvent } from '../../core/event.js';
import { ClusterPeers, readHeartbeat, type ClusterMembership, type ClusterNode } from '../cluster-membership.js';
import type { LiveBus, LiveListener, NoticeListener } from '../live-bus.js';
import { ListenerMap } from '../listener-map.js';
import { notifyChannels, type NotifyChannels } from './postgres-notify-channels.js';

/** The part of a `pg.Client` the bus uses. */
export interface PostgresBusClient {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<unknown>;
  on(event: 'notification', listener: (message: { readonly channel: string; readonly payload?: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

export interface PostgresBusConfig {
  /** e.g. `postgres://user@host:5432/db`; unused when `createClient` is given. */
  readonly connectionString?: string;
  /** Makes a new, unconnected client, once at start and again on every reconnect. @default a `pg.Client` on `connectionString` with TCP keep-alive */
  readonly createClient?: () => PostgresBusClient;
  /** Start of the NOTIFY channel names, so several deployments can share one database. @default "playhead" */
  readonly channelPrefix?: string;
  /** This node's id in GET /v1/cluster. @default "playhead" */
  readonly nodeId?: string;
  /** Wait between reconnect attempts, ms (the bus retries forever). @default 250 */
  readonly reconnectWaitMs?: number;
  /** How often this node tells the others it is alive, ms; a node silent for 3 of them is gone. @default 2,000 */
  readonly heartbeatMs?: number;
  /** Told of a lost connection (the bus reconnects by itself), a failed NOTIFY, an unreadable notification. @default ignores them */
  readonly onError?: (error: unknown) => void;
  /** @default systemClock */
  readonly clock?: Clock;
}

const DEFAULTS = Object.freeze({ nodeId: 'playhead', reconnectWaitMs: 250, heartbeatMs: 2_000, onError: (): void => undefined });

/** A NOTIFY payload must be shorter than 8000 bytes (PostgreSQL's default build). */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7_999;
/** Notifications sent in one statement (one transaction, one commit). */
const MAX_NOTIFICATIONS_PER_STATEMENT = 500;
/** How long close() waits for queued notifications to go out. */
const CLOSE_FLUSH_MS = 1_000;

/**
 * One statement for everything queued while the previous one ran. Rows come
 * from unnest in array order, and NOTIFYs of one transaction arrive in the
 * order they were issued, so one node's batches keep their order.
 */
const NOTIFY_SQL = 'SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS n(c, p)';

/** `o` is the sending bus instance: a node's own connection hears its NOTIFYs, and drops them. */
interface WireMessage {
  readonly o?: unknown;
  /** live: the Playhead channel; `e` absent is a hint. */
  readonly c?: unknown;
  readonly e?: readonly StoredEvent[];
  /** notice: topic, payload. */
  readonly t?: unknown;
  readonly p?: unknown;
  /** nodes: id, startedAt. */
  readonly id?: unknown;
  readonly startedAt?: unknown;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export class PostgresBus implements LiveBus, ClusterMembership {
  readonly busKind = 'postgres';
  readonly #createClient: () => PostgresBusClient;
  readonly #names: NotifyChannels;
  readonly #reconnectWaitMs: number;
  readonly #heartbeatMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #clock: Clock;
  readonly #origin = randomUUID();
  readonly #channels = new ListenerMap<LiveListener>();
  readonly #topics = new ListenerMap<NoticeListener>();
  readonly #peers: ClusterPeers;
  /** Connected and listening; undefined while reconnecting and after close. */
  #client: PostgresBusClient | undefined = undefined;
  /** [NOTIFY channel, payload] not sent yet. */
  #outbox: [string, string][] = [];
  #sending = false;
  /** Something this node sent may not have gone out: a hint goes first when it can. */
  #missed = false;
  /** Makes two equal notices distinct: PostgreSQL folds equal NOTIFYs of one transaction into one. */
  #noticeCount = 0;
  #flushWaiters: (() => void)[] = [];
  #heartbeat: TimerHandle | undefined = undefined;
  #retry: TimerHandle | undefined = undefined;
  #closed = false;

  private constructor(config: PostgresBusConfig) {
    const settings = { ...DEFAULTS, ...config };
    if (config.createClient === undefined && config.connectionString === undefined) throw new TypeError('PostgresBus needs connectionString or createClient');
    const { connectionString } = config;
    this.#createClient = config.createClient ?? (() => new pg.Client({ connectionString, keepAlive: true, application_name: `playhead bus ${settings.nodeId}` }));
    this.#names = notifyChannels(config.channelPrefix);
    this.#reconnectWaitMs = settings.reconnectWaitMs;
    this.#heartbeatMs = settings.heartbeatMs;
    this.#onError = settings.onError;
    this.#clock = settings.clock ?? systemClock;
    this.#peers = new ClusterPeers(settings.nodeId, this.#clock, this.#heartbeatMs);
  }

  /** Connects and listens (rejects with the driver's error when PostgreSQL does not answer). */
  static async connect(config: PostgresBusConfig): Promise<PostgresBus> {
    const bus = new PostgresBus(config);
    bus.#client = await bus.#open();
    bus.#beat();
    return bus;
  }

  /** The NOTIFY channels this bus listens on. */
  get notifyChannels(): NotifyChannels {
    return this.#names;
  }

  publish(channel: string, events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    this.#deliver(channel, events);
    const payload = JSON.stringify({ o: this.#origin, c: channel, e: events });
    this.#enqueue(this.#names.live, Buffer.byteLength(payload) <= MAX_NOTIFY_PAYLOAD_BYTES ? payload : JSON.stringify({ o: this.#origin, c: channel }));
  }

  subscribe(channel: string, listener: LiveListener): () => void {
    // Every node LISTENs to every channel's batches (one NOTIFY channel): nothing to start or stop per channel.
    return this.#channels.add(channel, listener);
  }

  notify(topic: string, payload: unknown): void {
    this.#hear(topic, payload);
    this.#noticeCount += 1;
    const text = JSON.stringify({ o: this.#origin, n: this.#noticeCount, t: topic, p: payload });
    // Too large to carry: the other nodes' listeners hear `null`, "notices may be lost here: read the store" (LiveBus).
    const fits = Buffer.byteLength(text) <= MAX_NOTIFY_PAYLOAD_BYTES;
    this.#enqueue(this.#names.notice, fits ? text : JSON.stringify({ o: this.#origin, n: this.#noticeCount, t: topic, p: null }));
  }

  listen(topic: string, listener: NoticeListener): () => void {
    return this.#topics.add(topic, listener);
  }

  /** Resolves when PostgreSQL has taken everything sent so far (or the connection is gone, and a hint will replace it). */
  flush(): Promise<void> {
    if (!this.#sending && (this.#outbox.length === 0 || this.#client === undefined)) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  nodes(): readonly ClusterNode[] {
    return this.#peers.nodes();
  }

  advertise(url: string): void {
    this.#peers.advertise(url);
  }

  /** Sends what is queued (waiting at most a second), then disconnects; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#heartbeat?.cancel();
    this.#retry?.cancel();
    let timer: TimerHandle | undefined;
    await Promise.race([this.flush(), new Promise<void>((resolve) => (timer = this.#clock.setTimer(CLOSE_FLUSH_MS, resolve)))]);
    timer?.cancel();
    const client = this.#client;
    this.#client = undefined;
    this.#releaseFlushWaiters();
    // The connection is being dropped on purpose: an error while ending it changes nothing.
    await client?.end().catch(() => undefined);
  }

  async #open(): Promise<PostgresBusClient> {
    const client = this.#createClient();
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('the PostgreSQL connection of the bus ended')));
    client.on('notification', (message) => this.#receive(message.channel, message.payload));
    try {
      await client.connect();
      await client.query(Object.values(this.#names).map((name) => `LISTEN ${quoteIdentifier(name)};`).join(' '));
      return client;
    } catch (error) {
      // A half-open client is of no use; the caller gets the connect or LISTEN error.
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  #lost(client: PostgresBusClient, error: Error): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    this.#missed = true;
    this.#outbox = [];
    this.#releaseFlushWaiters();
    // Ending a broken client only frees its socket.
    void client.end().catch(() => undefined);
    if (this.#closed) return;
    this.#onError(error);
    this.#reconnectSoon();
  }

  #reconnectSoon(): void {
    this.#retry = this.#clock.setTimer(this.#reconnectWaitMs, () => {
      this.#open().then((client) => {
        if (this.#closed) return void client.end().catch(() => undefined);
        this.#client = client;
        // Notifications sent while this node was away are gone: its subscribers read the store, and #send hints the others first.
        this.#hintAll();
        this.#send();
      }, () => {
        if (!this.#closed) this.#reconnectSoon();
      });
    });
  }

  #enqueue(name: string, payload: string): void {
    // While disconnected nothing queues up: the hint sent on reconnect stands for all of it.
    if (this.#client === undefined) {
      this.#missed = true;
      return;
    }
    this.#outbox.push([name, payload]);
    this.#send();
  }

  #send(): void {
    const client = this.#client;
    if (this.#sending || client === undefined) return;
    if (this.#missed) {
      this.#missed = false;
      this.#outbox.unshift([this.#names.hint, JSON.stringify({ o: this.#origin })]);
    }
    if (this.#outbox.length === 0) return this.#releaseFlushWaiters();
    const batch = this.#outbox.splice(0, MAX_NOTIFICATIONS_PER_STATEMENT);
    this.#sending = true;
    client.query(NOTIFY_SQL, [batch.map(([name]) => name), batch.map(([, payload]) => payload)]).then(() => {
      this.#sending = false;
      this.#send();
    }, (error: unknown) => {
      this.#sending = false;
      this.#missed = true;
      this.#onError(error);
      // Retry (with the hint first) after a pause, not at once: a broken connection would fail in a tight loop until its 'error' comes.
      this.#retry = this.#clock.setTimer(this.#reconnectWaitMs, () => this.#send());
    });
  }

  #releaseFlushWaiters(): void {
    const waiters = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #receive(name: string, payload: string | undefined): void {
    if (payload === undefined) return;
    let message: WireMessage;
    try {
      message = JSON.parse(payload) as WireMessage;
    } catch (error) {
      // Someone else NOTIFYing on our channel must not stop the bus.
      return this.#onError(error);
    }
    if (message.o === this.#origin) return;
    if (name === this.#names.live) {
      if (typeof message.c === 'string') this.#deliver(message.c, message.e ?? []);
    } else if (name === this.#names.notice) {
      if (typeof message.t === 'string') this.#hear(message.t, message.p);
    } else if (name === this.#names.nodes) {
      const node = readHeartbeat(message);
      if (node !== undefined) this.#peers.heard(node);
    } else if (name === this.#names.hint) {
      this.#hintAll();
    }
  }

  #beat(): void {
    if (this.#closed) return;
    this.#enqueue(this.#names.nodes, JSON.stringify({ o: this.#origin, ...this.#peers.self }));
    this.#heartbeat = this.#clock.setTimer(this.#heartbeatMs, () => this.#beat());
  }

  #deliver(channel: string, events: readonly StoredEvent[]): void {
    for (const listener of this.#channels.get(channel)) listener(events);
  }

  /** Every channel gets an empty batch and every topic `null`: what was sent meanwhile may be lost, read the store. */
  #hintAll(): void {
    for (const channel of this.#channels.names()) this.#deliver(channel, []);
    for (const topic of this.#topics.names()) this.#hear(topic, null);
  }

  #hear(topic: string, payload: unknown): void {
    for (const listener of this.#topics.get(topic)) listener(payload);
  }
}
