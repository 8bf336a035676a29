/**
 * Leases as PostgreSQL session advisory locks, on one connection per node
 * (docs/scaling.md "Ownership"). PostgreSQL grants each lock to one session
 * only, so two nodes never own the same work; a node that dies (its socket
 * closes, or TCP keepalives time out) loses its locks with its session, and
 * another node takes them at its next attempt. A node that only stalls
 * (SIGSTOP, a long GC) keeps its session and so its locks: nobody takes over
 * from a node that may wake up and write. This node gives its leases up as
 * soon as its connection fails or a check takes longer than half the
 * takeover time, before PostgreSQL could grant them elsewhere.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import type { LeaseHandlers, Leases } from '../leases.js';

export interface PostgresLeasesConfig {
  /** libpq URL of the shared database (the store's). */
  readonly connectionString: string;
  /** Keeps clusters apart that share a database (the store's schema). */
  readonly namespace: string;
  /** This node's id, shown as the owner of its leases. */
  readonly nodeId: string;
  /**
   * Longest time from a node's death to another node owning its work, ms:
   * leases are retried every fifth of it and PostgreSQL drops a silent
   * node's session within it. @default 10,000
   */
  readonly takeoverMs?: number;
  /** Told when the lease connection fails (its leases are lost and retried). */
  readonly onError?: (error: unknown) => void;
  readonly clock?: Clock;
}

const LEASE_DEFAULTS = Object.freeze({ takeoverMs: 10_000 });

interface LeaseRequest {
  readonly name: string;
  /** The advisory lock's 64-bit key, as PostgreSQL's bigint text. */
  readonly key: string;
  readonly handlers: LeaseHandlers;
  held: boolean;
}

export class PostgresLeases implements Leases {
  readonly #config: Required<Omit<PostgresLeasesConfig, 'onError'>> & Pick<PostgresLeasesConfig, 'onError'>;
  readonly #requests = new Map<string, LeaseRequest>();
  #client: Promise<pg.Client> | undefined = undefined;
  #timer: TimerHandle | undefined = undefined;
  /** One attempt round at a time: a slow round is not overtaken by the next. */
  #round: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(config: PostgresLeasesConfig) {
    this.#config = Object.freeze({ ...config, takeoverMs: config.takeoverMs ?? LEASE_DEFAULTS.takeoverMs, clock: config.clock ?? systemClock });
    if (!Number.isSafeInteger(this.#config.takeoverMs) || this.#config.takeoverMs < 1_000) {
      throw new RangeError(`takeoverMs must be an integer >= 1000, got ${String(this.#config.takeoverMs)}`);
    }
    this.#schedule();
  }

  async request(name: string, handlers: LeaseHandlers): Promise<() => void> {
    if (this.#requests.has(name)) throw new Error(`lease ${name} is already requested on this node`);
    const request: LeaseRequest = { name, key: lockKey(this.#config.namespace, name), handlers, held: false };
    this.#requests.set(name, request);
    await this.#inRound(() => this.#attempt([request]));
    return () => this.#release(request);
  }

  async owners(): Promise<ReadonlyMap<string, string>> {
    const byKey = new Map([...this.#requests.values()].map((request) => [request.key, request.name]));
    const client = await this.#connection();
    const { rows } = await client.query<{ key: string; owner: string }>(OWNERS_SQL).catch((error: unknown) => {
      this.#dropConnection();
      throw error;
    });
    const owners = new Map<string, string>();
    for (const { key, owner } of rows) {
      const name = byKey.get(unsignedToSigned(key));
      if (name !== undefined) owners.set(name, owner.replace(APPLICATION_PREFIX, ''));
    }
    return owners;
  }

  /** Resolves when the attempts and releases begun so far are done. */
  async settled(): Promise<void> {
    await this.#round;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    await this.#round;
    this.#loseAll();
    this.#requests.clear();
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await (await client.catch(() => undefined))?.end().catch(() => undefined);
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = this.#config.clock.setTimer(this.#config.takeoverMs / 5, () => {
      void this.#inRound(() => this.#attempt([...this.#requests.values()])).finally(() => this.#schedule());
    });
  }

  #inRound(work: () => Promise<void>): Promise<void> {
    const round = this.#round.then(work);
    this.#round = round.catch(() => undefined);
    return round;
  }

  /** Tries the leases not yet held and checks the connection of those held; a failure loses them all. */
  async #attempt(requests: readonly LeaseRequest[]): Promise<void> {
    if (this.#closed) return;
    const wanted = requests.filter((request) => !request.held && this.#requests.get(request.name) === request);
    try {
      const client = await this.#connection();
      const { rows } = await client.query<{ won: boolean[] }>({
        text: 'SELECT array(SELECT pg_try_advisory_lock(key) FROM unnest($1::bigint[]) WITH ORDINALITY AS k(key, n) ORDER BY n) AS won',
        values: [wanted.map((request) => request.key)],
      });
      const won = rows[0]?.won ?? [];
      for (const [index, request] of wanted.entries()) {
        if (won[index] !== true) continue;
        request.held = true;
        await this.#gain(request);
      }
    } catch (error) {
      this.#config.onError?.(error);
      this.#dropConnection();
    }
  }

  /** The work's own failure is its owner's to report; it must not cost the other leases their connection. */
  async #gain(request: LeaseRequest): Promise<void> {
    try {
      await request.handlers.gained();
    } catch (error) {
      this.#config.onError?.(error);
    }
  }

  #release(request: LeaseRequest): void {
    if (this.#requests.get(request.name) !== request) return;
    this.#requests.delete(request.name);
    if (!request.held) return;
    request.held = false;
    request.handlers.lost();
    void this.#inRound(async () => {
      const client = await this.#connection();
      await client.query({ text: 'SELECT pg_advisory_unlock($1::bigint)', values: [request.key] });
    }).catch(() => this.#dropConnection());
  }

  #connection(): Promise<pg.Client> {
    this.#client ??= this.#connect();
    return this.#client;
  }

  async #connect(): Promise<pg.Client> {
    const { connectionString, nodeId, takeoverMs } = this.#config;
    const client = new pg.Client({
      connectionString,
      application_name: `${APPLICATION_PREFIX}${nodeId}`,
      keepAlive: true,
      query_timeout: takeoverMs / 2,
      connectionTimeoutMillis: takeoverMs / 2,
    });
    client.on('error', (error) => {
      this.#config.onError?.(error);
      this.#dropConnection();
    });
    try {
      await client.connect();
      // PostgreSQL drops this session, and so its locks, once the node has been silent for about half the takeover time.
      const idleSeconds = Math.max(1, Math.floor(takeoverMs / 2_000));
      await client.query(`SET tcp_keepalives_idle = ${idleSeconds}; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 2`);
      return client;
    } catch (error) {
      void client.end().catch(() => undefined);
      throw error;
    }
  }

  #dropConnection(): void {
    const client = this.#client;
    this.#client = undefined;
    this.#loseAll();
    void client?.then((connected) => connected.end()).catch(() => undefined);
  }

  #loseAll(): void {
    for (const request of this.#requests.values()) {
      if (!request.held) continue;
      request.held = false;
      request.handlers.lost();
    }
  }
}

const APPLICATION_PREFIX = 'playhead lease ';

/** Every granted advisory lock in this database with its session's application name: the owners, by key. */
const OWNERS_SQL = `SELECT ((l.classid::bigint << 32) | l.objid::bigint)::text AS key, a.application_name AS owner
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** A 64-bit key from the namespace and name, as signed bigint text (collisions between names are negligible). */
function lockKey(namespace: string, name: string): string {
  return createHash('sha256').update(`${namespace}\u0000${name}`).digest().readBigInt64BE(0).toString();
}

/** pg_locks shows a bigint key as two unsigned 32-bit halves; rebuilt with `|` it may read above 2^63. */
function unsignedToSigned(key: string): string {
  return BigInt.asIntN(64, BigInt(key)).toString();
}
