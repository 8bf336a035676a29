/** A LiveBus inside one process: synchronous fan-out to the channel's listeners. */
import type { StoredEvent } from '../../core/event.js';
import type { LiveBus, LiveListener } from '../live-bus.js';

export class InProcessBus implements LiveBus {
  readonly #listeners = new Map<string, Set<LiveListener>>();

  publish(channel: string, events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.#listeners.get(channel) ?? []) listener(events);
  }

  subscribe(channel: string, listener: LiveListener): () => void {
    let listeners = this.#listeners.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
