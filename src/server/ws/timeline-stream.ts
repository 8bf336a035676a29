/**
 * One timeline subscription on /v1/ws: the key's value now (when a key is
 * named), then every change of the result as it happens, including the
 * ones no event marks, sent when the server's clock reaches them. A client
 * whose send buffer stays over the limit gets `slow_consumer` and the
 * subscription ends (the connection stays open).
 */
import type { WebSocket } from 'ws';
import type { Clock } from '../../core/clock.js';
import { PlayheadError } from '../../core/errors.js';
import type { TimelineMessage } from '../../protocol/server-messages.js';
import type { TimelineChange } from '../../timeline/timeline-evaluator.js';
import type { TimelineRegistry } from '../../timeline/timeline-registry.js';
import type { Grant } from '../auth/access-policy.js';
import { sendTimelineChange } from './send-timeline-change.js';

export interface TimelineStreamOptions {
  readonly socket: WebSocket;
  readonly sub: string;
  readonly timeline: string;
  readonly key: string | undefined;
  readonly timelines: TimelineRegistry;
  readonly clock: Clock;
  readonly grant: Grant | null;
  /** Send buffer above which the subscription ends with `slow_consumer`, bytes. */
  readonly maxBufferedBytes: number;
}

export class TimelineStream {
  readonly #options: TimelineStreamOptions;
  #unsubscribe: () => void;

  /** Throws `unknown_timeline` or `forbidden` before subscribing anything. */
  constructor(options: TimelineStreamOptions) {
    this.#options = options;
    const { timelines, timeline, key, grant, clock } = options;
    const { channel } = timelines.describe(timeline);
    if (grant !== null && !grant.allows('read', channel)) {
      throw new PlayheadError('forbidden', `the token may not read channel ${channel} of timeline ${timeline}`);
    }
    // Current value and subscription in one turn, so no change falls between them.
    if (key !== undefined) {
      const at = clock.now();
      this.#send({ type: 'timeline', sub: options.sub, timeline, key, at, ...timelines.valueAt(timeline, key, at) });
    }
    this.#unsubscribe = timelines.subscribe(timeline, key, (change) => this.#onChange(change));
  }

  close(): void {
    this.#unsubscribe();
    this.#unsubscribe = () => undefined;
  }

  #onChange(change: TimelineChange): void {
    const { socket, sub, timeline, maxBufferedBytes } = this.#options;
    if (!sendTimelineChange(socket, sub, timeline, maxBufferedBytes, change)) this.close();
  }

  #send(message: TimelineMessage): void {
    const { socket } = this.#options;
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  }
}
