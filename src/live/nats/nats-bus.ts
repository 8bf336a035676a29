/**
 * A LiveBus across nodes over NATS core (DESIGN: NATS is the broker, we write
 * none). A batch reaches this node's subscribers at once and the other nodes
 * on `playhead.live.<channel>`. NATS may lose messages (a reconnect, a slow
 * consumer) and does not order batches from two nodes, so it carries them as
 * they are and subscribers (LiveTail) restore order and fill gaps from the
 * store. A batch over the server's payload limit travels as a hint, an empty
 * batch, and after a reconnect every node is hinted for every channel.
 * Notices (feed changes) travel the same way on `playhead.notice.<topic>`
 * (the topic base64url-encoded: feed keys may hold spaces and dots), as
 * `null` when too large, and every topic hears `null` after a reconnect.
 */
import { connect, Events, type NatsConnection, type Subscription } from 'nats';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import type { StoredEvent } from '../../core/event.js';
import { ClusterPeers, readHeartbeat, type ClusterMembership, type ClusterNode } from '../cluster-membership.js';
import type { LiveBus, LiveListener, NoticeListener } from '../live-bus.js';
import { ListenerMap } from '../listener-map.js';

export interface NatsBusConfig {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** This node's name, shown in NATS connection listings. @default "playhead" */
  readonly name?: string;
  /** Subject prefix, so several Playhead clusters can share one NATS. @default "playhead" */
  readonly subjectPrefix?: string;
  /** Wait between reconnect attempts, ms (NATS retries forever). @default 250 */
  readonly reconnectWaitMs?: number;
  /** This node's id in GET /v1/cluster. @default the connection name */
  readonly nodeId?: string;
  /** How often this node tells the others it is alive, ms; a node silent for 3 of them is gone. @default 2,000 */
  readonly heartbeatMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

const DEFAULTS: Required<Pick<NatsBusConfig, 'name' | 'subjectPrefix' | 'reconnectWaitMs' | 'heartbeatMs'>> = Object.freeze({ name: 'playhead', subjectPrefix: 'playhead', reconnectWaitMs: 250, heartbeatMs: 2_000 });

interface WireBatch {
  /** Absent: a hint (the batch was too large to carry, or a node reconnected). */
  readonly events?: readonly StoredEvent[];
}

/** The server's limit unless its INFO says otherwise (1 MiB, nats-server's default). */
const NATS_DEFAULT_MAX_PAYLOAD = 1 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class NatsBus implements LiveBus, ClusterMembership {
  readonly busKind = 'nats';
  readonly #connection: NatsConnection;
  readonly #prefix: string;
  readonly #channels = new ListenerMap<LiveListener>();
  readonly #topics = new ListenerMap<NoticeListener>();
  /** By subject: one NATS subscription per channel or topic with listeners here. */
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #peers: ClusterPeers;
  readonly #clock: Clock;
  readonly #heartbeatMs: number;
  #heartbeat: TimerHandle | undefined = undefined;

  private constructor(connection: NatsConnection, settings: typeof DEFAULTS & NatsBusConfig) {
    this.#connection = connection;
    this.#prefix = settings.subjectPrefix;
    this.#clock = settings.clock ?? systemClock;
    this.#heartbeatMs = settings.heartbeatMs;
    this.#peers = new ClusterPeers(settings.nodeId ?? settings.name, this.#clock, this.#heartbeatMs);
    const prefix = this.#prefix;
    connection.subscribe(`${prefix}.nodes`, {
      callback: (error, message) => {
        if (error !== null) return;
        let node: ReturnType<typeof readHeartbeat>;
        try {
          node = readHeartbeat(JSON.parse(decoder.decode(message.data)));
        } catch {
          return; // not a heartbeat: something else publishing on our subject must not stop the bus
        }
        if (node !== undefined) this.#peers.heard(node);
      },
    });
    this.#beat();
    // Every node hints its own subscribers after a reconnect of any node: what that node published meanwhile may be lost.
    connection.subscribe(`${prefix}.hint`, { callback: () => this.#hintAll() });
    void this.#watchStatus();
  }

  /** Connects (rejects with the driver's error when no server answers). */
  static async connect(config: NatsBusConfig): Promise<NatsBus> {
    const settings = { ...DEFAULTS, ...config };
    const connection = await connect({
      servers: typeof settings.servers === 'string' ? settings.servers : [...settings.servers],
      name: settings.name,
      // This node's own batches reach its subscribers directly, not back through NATS.
      noEcho: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: settings.reconnectWaitMs,
    });
    return new NatsBus(connection, settings);
  }

  publish(channel: string, events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    this.#deliver(channel, events);
    this.#send(this.#subject(channel), { events } satisfies WireBatch, {});
  }

  subscribe(channel: string, listener: LiveListener): () => void {
    const subject = this.#subject(channel);
    return this.#channels.add(channel, listener, {
      onFirst: () => this.#subscribeTo(subject, (data) => {
        // A subscription error may have cost messages: an empty batch sends LiveTail to the store.
        if (data === undefined) return this.#deliver(channel, []);
        this.#deliver(channel, (JSON.parse(decoder.decode(data)) as WireBatch).events ?? []);
      }),
      onLast: () => this.#unsubscribeFrom(subject),
    });
  }

  notify(topic: string, payload: unknown): void {
    this.#hear(topic, payload);
    this.#send(this.#noticeSubject(topic), payload, null);
  }

  listen(topic: string, listener: NoticeListener): () => void {
    const subject = this.#noticeSubject(topic);
    return this.#topics.add(topic, listener, {
      onFirst: () => this.#subscribeTo(subject, (data) => {
        if (data === undefined) return this.#hear(topic, null);
        this.#hear(topic, JSON.parse(decoder.decode(data)));
      }),
      onLast: () => this.#unsubscribeFrom(subject),
    });
  }

  /** Resolves when the server has seen everything sent so far (subscriptions included). */
  async flush(): Promise<void> {
    await this.#connection.flush();
  }

  nodes(): readonly ClusterNode[] {
    return this.#peers.nodes();
  }

  advertise(url: string): void {
    this.#peers.advertise(url);
  }

  /** Closes at once, without draining: a drain waits for a server that may be gone, and subscribers fill any loss from the store. */
  async close(): Promise<void> {
    this.#heartbeat?.cancel();
    if (this.#connection.isClosed()) return;
    await this.#connection.close();
  }

  #beat(): void {
    if (this.#connection.isClosed()) return;
    this.#connection.publish(`${this.#prefix}.nodes`, encoder.encode(JSON.stringify(this.#peers.self)));
    this.#heartbeat = this.#clock.setTimer(this.#heartbeatMs, () => this.#beat());
  }

  #subject(channel: string): string {
    return `${this.#prefix}.live.${channel}`;
  }

  #noticeSubject(topic: string): string {
    return `${this.#prefix}.notice.${Buffer.from(topic).toString('base64url')}`;
  }

  /** Publishes `message` as JSON, or `tooLarge` when it exceeds the server's payload limit. */
  #send(subject: string, message: unknown, tooLarge: unknown): void {
    const payload = encoder.encode(JSON.stringify(message));
    const fits = payload.byteLength <= (this.#connection.info?.max_payload ?? NATS_DEFAULT_MAX_PAYLOAD);
    this.#connection.publish(subject, fits ? payload : encoder.encode(JSON.stringify(tooLarge)));
  }

  #hear(topic: string, payload: unknown): void {
    for (const listener of this.#topics.get(topic)) listener(payload);
  }

  /** `receive` gets undefined when the subscription failed. */
  #subscribeTo(subject: string, receive: (data: Uint8Array | undefined) => void): void {
    this.#subscriptions.set(subject, this.#connection.subscribe(subject, {
      callback: (error, message) => receive(error === null ? message.data : undefined),
    }));
  }

  #unsubscribeFrom(subject: string): void {
    this.#subscriptions.get(subject)?.unsubscribe();
    this.#subscriptions.delete(subject);
  }

  #deliver(channel: string, events: readonly StoredEvent[]): void {
    for (const listener of this.#channels.get(channel)) listener(events);
  }

  #hintAll(): void {
    for (const channel of this.#channels.names()) this.#deliver(channel, []);
    for (const topic of this.#topics.names()) this.#hear(topic, null);
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#connection.status()) {
      if (status.type !== Events.Reconnect) continue;
      this.#hintAll();
      this.#connection.publish(`${this.#prefix}.hint`, encoder.encode('{}'));
    }
  }
}
