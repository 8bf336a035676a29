/**
 * One timeline subscription on /v1/ws: the key's value now (when a key is
 * named), then every change of the result as it happens, including the
 * ones no event marks, sent when the server's clock reaches them. The
 * changes come over the bus from the node that evaluates the timeline,
 * which also answers the value (asked again for a few seconds while no node
 * can answer it). A client whose send buffer stays over the
 * limit gets `slow_consumer` and the subscription ends (the connection
 * stays open).
 */
import type { WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { isPlayheadError, PlayheadError } from '../../core/errors.js';
import type { TimelineMessage, TimelineMissedMessage } from '../../protocol/server-messages.js';
import type { TimelineChange } from '../../timeline/timeline-evaluator.js';
import type { TimelineRegistry } from '../../timeline/timeline-registry.js';
import type { Grant } from '../auth/access-policy.js';
import type { Scalar } from '../../timeline/timeline-piece.js';
import type { TimelineOwner } from '../timeline-owner.js';
import { encodeError } from './message-encoder.js';
import { sendTimelineChange } from './send-timeline-change.js';

/**
 * While no node can answer a key's value (its owner is reading its history,
 * or a survivor is taking over), it is asked again after these waits, ms.
 */
const VALUE_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1_000, 2_000, 4_000];

export interface TimelineStreamOptions {
  readonly socket: WebSocket;
  readonly sub: string;
  readonly timeline: string;
  readonly key: string | undefined;
  readonly timelines: TimelineRegistry;
  /** Answers the key's value where another node evaluates the timeline. */
  readonly owner: TimelineOwner;
  /** The connection's token, for asking the owner. */
  readonly token: string | undefined;
  readonly clock: Clock;
  readonly grant: Grant;
  /** Send buffer above which the subscription ends with `slow_consumer`, bytes. */
  readonly maxBufferedBytes: number;
}

export class TimelineStream {
  readonly #options: TimelineStreamOptions;
  #unsubscribe: () => void;
  /** Changes that came while the key's value was asked of the owner: sent after it. */
  #held: TimelineChange[] | undefined = undefined;
  #retry: TimerHandle | undefined = undefined;
  #closed = false;

  /** Throws `unknown_timeline` or `forbidden` before subscribing anything. */
  constructor(options: TimelineStreamOptions) {
    this.#options = options;
    const { timelines, timeline, key, grant } = options;
    const { channel } = timelines.describe(timeline);
    grant.require('read', channel, `read channel ${channel} of timeline ${timeline}`);
    // Current value and subscription in one turn where this node evaluates it, so no change falls between them.
    if (key !== undefined && timelines.place(timeline) === 'here') {
      const at = options.clock.now();
      this.#sendValue(key, at, timelines.valueAt(timeline, key, at));
    } else if (key !== undefined) void this.#askValue(key);
    this.#unsubscribe = timelines.subscribe(timeline, key, (change) => this.#onChange(change));
  }

  close(): void {
    this.#closed = true;
    this.#retry?.cancel();
    this.#unsubscribe();
    this.#unsubscribe = () => undefined;
  }

  /** Where changes may have been lost, a keyed subscription gets the key's value again; one to every key is told to read them again. */
  #onChange(change: TimelineChange | null): void {
    if (change === null) {
      if (this.#options.key === undefined) this.#sendMissed();
      else if (this.#held === undefined) void this.#askValue(this.#options.key);
      return;
    }
    if (this.#held !== undefined) return void this.#held.push(change);
    const { socket, sub, timeline, maxBufferedBytes } = this.#options;
    if (!sendTimelineChange(socket, sub, timeline, maxBufferedBytes, change)) this.close();
  }

  /** The value from wherever the timeline is evaluated, then the changes after it. */
  async #askValue(key: string, attempt = 0): Promise<void> {
    const { owner, timeline, token, clock, socket, sub } = this.#options;
    this.#retry = undefined;
    this.#held = []; // what an earlier attempt held is in this value
    const at = clock.now();
    try {
      const value = await owner.valueAt(timeline, key, at, token);
      if (this.#closed) return;
      this.#sendValue(key, at, value);
      const held = this.#held;
      this.#held = undefined;
      // A change up to `at` is in the value already, unless it revises the past.
      for (const change of held) if (change.at > at || change.revised === true) this.#onChange(change);
    } catch (error) {
      if (this.#closed) return;
      const retryInMs = VALUE_RETRY_DELAYS_MS[attempt];
      if (isPlayheadError(error) && error.code === 'timeline_unavailable' && retryInMs !== undefined) {
        this.#retry = clock.setTimer(retryInMs, () => void this.#askValue(key, attempt + 1));
        return;
      }
      this.#held = undefined;
      if (socket.readyState === socket.OPEN) socket.send(encodeError(error instanceof PlayheadError ? error : new PlayheadError('internal', String(error)), sub));
      this.close();
    }
  }

  #sendMissed(): void {
    const { sub, timeline, clock } = this.#options;
    this.#send({ type: 'timeline_missed', sub, timeline, at: clock.now() });
  }

  #sendValue(key: string, at: number, value: { readonly value: Scalar | null; readonly rate?: number }): void {
    const { sub, timeline } = this.#options;
    this.#send({ type: 'timeline', sub, timeline, key, at, ...value });
  }

  #send(message: TimelineMessage | TimelineMissedMessage): void {
    const { socket } = this.#options;
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  }
}
