/** A LiveBus inside one process: synchronous fan-out to the channel's (or topic's) listeners. */
import type { StoredEvent } from '../../core/event.js';
import type { LiveBus, LiveListener, NoticeListener } from '../live-bus.js';
import { ListenerMap } from '../listener-map.js';

export class InProcessBus implements LiveBus {
  readonly #channels = new ListenerMap<LiveListener>();
  readonly #topics = new ListenerMap<NoticeListener>();

  publish(channel: string, events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.#channels.get(channel)) listener(events);
  }

  subscribe(channel: string, listener: LiveListener): () => void {
    return this.#channels.add(channel, listener);
  }

  notify(topic: string, payload: unknown): void {
    for (const listener of this.#topics.get(topic)) listener(payload);
  }

  listen(topic: string, listener: NoticeListener): () => void {
    return this.#topics.add(topic, listener);
  }

  async close(): Promise<void> {
    this.#channels.clear();
    this.#topics.clear();
  }
}
