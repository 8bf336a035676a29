/**
 * A LiveBus across nodes over NATS core (DESIGN: NATS is the broker, we write
 * none). A batch reaches this node's subscribers at once and the other nodes
 * on `playhead.live.<channel>`. NATS may lose messages (a reconnect, a slow
 * consumer) and does not order batches from two nodes, so it carries them as
 * they are and subscribers (LiveTail) restore order and fill gaps from the
 * store. A batch over the server's payload limit travels as a hint, an empty
 * batch, and after a reconnect every node is hinted for every channel.
 */
import { connect, Events, type NatsConnection, type Subscription } from 'nats';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import type { StoredEvent } from '../../core/event.js';
import type { ClusterMembership, ClusterNode } from '../cluster-membership.js';
import type { LiveBus, LiveListener } from '../live-bus.js';

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
/** Heartbeats a node may miss before it is gone. */
const MISSED_HEARTBEATS = 3;

interface WireBatch {
  /** Absent: a hint (the batch was too large to carry, or a node reconnected). */
  readonly events?: readonly StoredEvent[];
}

/** The server's limit unless its INFO says otherwise (1 MiB, nats-server's default). */
const NATS_DEFAULT_MAX_PAYLOAD = 1 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class NatsBus implements LiveBus, ClusterMembership {
  readonly #connection: NatsConnection;
  readonly #prefix: string;
  readonly #listeners = new Map<string, Set<LiveListener>>();
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #self: { readonly id: string; readonly startedAt: number };
  readonly #peers = new Map<string, ClusterNode>();
  readonly #clock: Clock;
  readonly #heartbeatMs: number;
  #heartbeat: TimerHandle | undefined = undefined;

  private constructor(connection: NatsConnection, settings: typeof DEFAULTS & NatsBusConfig) {
    this.#connection = connection;
    this.#prefix = settings.subjectPrefix;
    this.#clock = settings.clock ?? systemClock;
    this.#heartbeatMs = settings.heartbeatMs;
    this.#self = { id: settings.nodeId ?? settings.name, startedAt: this.#clock.now() };
    const prefix = this.#prefix;
    connection.subscribe(`${prefix}.nodes`, {
      callback: (error, message) => {
        if (error !== null) return;
        const node = JSON.parse(decoder.decode(message.data)) as { id: string; startedAt: number };
        this.#peers.set(node.id, { id: node.id, startedAt: node.startedAt, lastSeenAt: this.#clock.now() });
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
    const payload = encoder.encode(JSON.stringify({ events } satisfies WireBatch));
    const fits = payload.byteLength <= (this.#connection.info?.max_payload ?? NATS_DEFAULT_MAX_PAYLOAD);
    this.#connection.publish(this.#subject(channel), fits ? payload : encoder.encode('{}'));
  }

  subscribe(channel: string, listener: LiveListener): () => void {
    let listeners = this.#listeners.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
      this.#subscriptions.set(channel, this.#connection.subscribe(this.#subject(channel), {
        callback: (error, message) => {
          if (error !== null) return this.#deliver(channel, []);
          const batch = JSON.parse(decoder.decode(message.data)) as WireBatch;
          this.#deliver(channel, batch.events ?? []);
        },
      }));
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0) return;
      this.#listeners.delete(channel);
      this.#subscriptions.get(channel)?.unsubscribe();
      this.#subscriptions.delete(channel);
    };
  }

  nodes(): readonly ClusterNode[] {
    const now = this.#clock.now();
    const live = [...this.#peers.values()].filter((node) => node.id !== this.#self.id && now - node.lastSeenAt <= MISSED_HEARTBEATS * this.#heartbeatMs);
    return [{ ...this.#self, lastSeenAt: now }, ...live].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Closes at once, without draining: a drain waits for a server that may be gone, and subscribers fill any loss from the store. */
  async close(): Promise<void> {
    this.#heartbeat?.cancel();
    if (this.#connection.isClosed()) return;
    await this.#connection.close();
  }

  #beat(): void {
    if (this.#connection.isClosed()) return;
    this.#connection.publish(`${this.#prefix}.nodes`, encoder.encode(JSON.stringify(this.#self)));
    this.#heartbeat = this.#clock.setTimer(this.#heartbeatMs, () => this.#beat());
  }

  #subject(channel: string): string {
    return `${this.#prefix}.live.${channel}`;
  }

  #deliver(channel: string, events: readonly StoredEvent[]): void {
    for (const listener of this.#listeners.get(channel) ?? []) listener(events);
  }

  #hintAll(): void {
    for (const channel of this.#listeners.keys()) this.#deliver(channel, []);
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#connection.status()) {
      if (status.type !== Events.Reconnect) continue;
      this.#hintAll();
      this.#connection.publish(`${this.#prefix}.hint`, encoder.encode('{}'));
    }
  }
}
