/**
 * One view subscription on a WebSocket: a base, then deltas. While the
 * client's send buffer is over the limit, deltas are consolidated into one
 * pending delta (a row added then removed cancels out) instead of queued,
 * so a slow client costs memory bounded by the view, not by its history.
 */
import type { WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { BaseMessage, DeltaMessage } from '../../protocol/server-messages.js';
import type { RowChange, ViewRow } from '../../views/ranked-rows.js';
import { netChanges } from '../../views/net-changes.js';
import type { ViewDelta } from '../../views/shared-view.js';

/** How often a consolidated delta waits for a congested client to drain, ms. */
const DRAIN_CHECK_MS = 50;

interface PendingDelta {
  readonly from: number;
  to: number;
  readonly changes: RowChange[];
}

export class ViewStream {
  readonly #socket: WebSocket;
  readonly #sub: string;
  readonly #view: string;
  readonly #maxBufferedBytes: number;
  readonly #clock: Clock;
  #pending: PendingDelta | undefined = undefined;
  #drainTimer: TimerHandle | undefined = undefined;
  /** What to undo on close: the registry subscription or the replay observer. */
  #detach: () => void = () => {};

  constructor(socket: WebSocket, sub: string, view: string, clock: Clock, maxBufferedBytes: number) {
    this.#socket = socket;
    this.#sub = sub;
    this.#view = view;
    this.#clock = clock;
    this.#maxBufferedBytes = maxBufferedBytes;
  }

  /** Called once, with what unsubscribes this stream from its source. */
  attach(detach: () => void): void {
    this.#detach = detach;
  }

  close(): void {
    this.#detach();
    this.#drainTimer?.cancel();
  }

  /** Sends rows as of `asOf`; a pending delta it covers is dropped. `atMs` is the event time shown, on a time-travel or replay base. */
  base(asOf: number, rows: readonly ViewRow[], atMs?: number): void {
    if (this.#pending !== undefined && this.#pending.to <= asOf) this.#pending = undefined;
    const message: BaseMessage = { type: 'base', sub: this.#sub, view: this.#view, asOf, ...(atMs === undefined ? {} : { at: atMs }), rows };
    this.#send(message);
  }

  delta(delta: ViewDelta): void {
    if (this.#pending === undefined && !this.#congested()) return this.#sendDelta(delta.from, delta.to, delta.changes);
    const pending = this.#pending ?? { from: delta.from, to: delta.to, changes: [] };
    pending.to = delta.to;
    // Consolidate as they come, so what waits is bounded by the view's size, not by how long the client is slow.
    this.#pending = { ...pending, changes: netChanges([...pending.changes, ...delta.changes]) };
    this.#drainTimer ??= this.#clock.setTimer(DRAIN_CHECK_MS, () => this.#flush());
  }

  #flush(): void {
    this.#drainTimer = undefined;
    const pending = this.#pending;
    if (pending === undefined) return;
    if (this.#congested()) {
      this.#drainTimer = this.#clock.setTimer(DRAIN_CHECK_MS, () => this.#flush());
      return;
    }
    this.#pending = undefined;
    this.#sendDelta(pending.from, pending.to, pending.changes);
  }

  #sendDelta(from: number, to: number, changes: DeltaMessage['changes']): void {
    const message: DeltaMessage = { type: 'delta', sub: this.#sub, view: this.#view, from, to, changes };
    this.#send(message);
  }

  #congested(): boolean {
    return this.#socket.bufferedAmount > this.#maxBufferedBytes;
  }

  #send(message: BaseMessage | DeltaMessage): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(JSON.stringify(message));
  }
}
