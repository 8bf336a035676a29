/**
 * A timeline following a replay, on its sub: after each rebuild the key's
 * value at the playhead, then every change as the replay reaches it, as the
 * same `timeline` messages a live subscription gets. A client whose send
 * buffer passes the limit gets `slow_consumer` and the subscription ends.
 */
import type { WebSocket } from 'ws';
import type { StoredEvent } from '../../core/event.js';
import type { TimelineChange } from '../../timeline/timeline-evaluator.js';
import { ReplayTimeline, type ReplayTimelineOptions } from '../../timeline/replay-timeline.js';
import type { ReplayFollower } from './followed-replay.js';
import { sendTimelineChange } from './send-timeline-change.js';

export interface TimelineFollowerOptions extends Omit<ReplayTimelineOptions, 'onChange'> {
  readonly socket: WebSocket;
  readonly sub: string;
  readonly maxBufferedBytes: number;
}

export class TimelineFollower implements ReplayFollower {
  readonly #options: TimelineFollowerOptions;
  readonly #timeline: ReplayTimeline;
  #ended = false;

  constructor(options: TimelineFollowerOptions) {
    this.#options = options;
    this.#timeline = new ReplayTimeline({ ...options, onChange: (change) => this.#send(change) });
  }

  get appliedMs(): number {
    return this.#timeline.appliedMs;
  }

  async rebuild(atMs: number): Promise<void> {
    const rebuilt = await this.#timeline.rebuild(atMs);
    if (rebuilt?.value !== undefined) this.#send(rebuilt.value);
  }

  event(event: StoredEvent): void {
    this.#timeline.event(event);
  }

  advanceTo(positionMs: number): void {
    this.#timeline.advanceTo(positionMs);
  }

  nextDueMs(): number | undefined {
    return this.#timeline.nextDueMs();
  }

  close(): void {
    this.#ended = true;
    this.#timeline.close();
  }

  #send(change: TimelineChange): void {
    const { socket, sub, definition, maxBufferedBytes } = this.#options;
    if (!this.#ended && !sendTimelineChange(socket, sub, definition.name, maxBufferedBytes, change)) this.close();
  }
}
