/**
 * A live view seen from the client: the rows, kept equal to the server's
 * view by applying its base and deltas. Deltas that arrive before the base
 * wait for it; deltas already in the base (`to <= asOf`) are skipped, and
 * none is applied twice. After a reconnect the view starts again from a
 * fresh base; so does a view following a replay whose playhead jumps.
 */
import type { ViewAction } from '../src/protocol/client-actions.js';
import type { BaseMessage, DeltaMessage, ServerMessage, ViewRow } from '../src/protocol/server-messages.js';
import { PlayheadClientError } from './client-error.js';
import type { Connection } from './connection.js';

export interface ViewOptions {
  /** Time travel: the rows as they were then (one base, no deltas). */
  readonly asOf?: ViewAction['asOf'];
  /** A playback on the same connection: the view moves with its playhead, at its speed. */
  readonly follow?: { readonly sub: string };
}

export class LiveView {
  readonly name: string;
  /** Resolves on the first base; rejects if the server refuses the view. */
  readonly ready: Promise<void>;
  readonly #connection: Connection;
  readonly #sub: string;
  readonly #options: ViewOptions;
  readonly #listeners = new Set<(rows: readonly ViewRow[]) => void>();
  #rows: ViewRow[] = [];
  /** Position of the rows; undefined until a base arrives. */
  #position: number | undefined = undefined;
  #early: DeltaMessage[] = [];
  #settle: { resolve(): void; reject(error: PlayheadClientError): void } | undefined;

  constructor(connection: Connection, name: string, options: ViewOptions = {}) {
    this.#connection = connection;
    this.name = name;
    this.#options = options;
    this.ready = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.ready.catch(() => {});
    this.#sub = connection.add({ open: () => this.#open(), receive: (message) => this.#receive(message) });
  }

  get rows(): readonly ViewRow[] {
    return this.#rows;
  }

  /** Called with the rows after every change. */
  onChange(listener: (rows: readonly ViewRow[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stop(): void {
    this.#connection.send({ action: 'stop', sub: this.#sub });
    this.#connection.remove(this.#sub);
  }

  #open(): void {
    this.#position = undefined;
    this.#early = [];
    const { asOf, follow } = this.#options;
    this.#connection.send({ action: 'view', sub: this.#sub, view: this.name, ...(asOf === undefined ? {} : { asOf }), ...(follow === undefined ? {} : { follow: follow.sub }) });
  }

  #receive(message: ServerMessage): void {
    if (message.type === 'base') return this.#base(message);
    if (message.type === 'delta') return this.#delta(message);
    if (message.type === 'error') {
      const error = new PlayheadClientError(message.code, message.message);
      this.#settle?.reject(error);
      this.#settle = undefined;
    }
  }

  #base(message: BaseMessage): void {
    this.#rows = [...message.rows];
    this.#position = message.asOf;
    const early = this.#early;
    this.#early = [];
    for (const delta of early) this.#apply(delta);
    this.#settle?.resolve();
    this.#settle = undefined;
    this.#emit();
  }

  #delta(message: DeltaMessage): void {
    if (this.#position === undefined) return void this.#early.push(message);
    if (this.#apply(message)) this.#emit();
  }

  #apply(delta: DeltaMessage): boolean {
    if (this.#position === undefined || delta.to <= this.#position) return false;
    for (const { row, diff } of delta.changes) {
      const text = JSON.stringify(row);
      if (diff > 0) this.#rows.push(row);
      else {
        const index = this.#rows.findIndex((candidate) => JSON.stringify(candidate) === text);
        if (index !== -1) this.#rows.splice(index, 1);
      }
    }
    this.#position = delta.to;
    return true;
  }

  #emit(): void {
    for (const listener of this.#listeners) listener(this.#rows);
  }
}
