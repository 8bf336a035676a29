/**
 * A playback sink that also tells observers what the session delivers, so
 * other readers (a view following the replay) move with the playhead.
 * Congestion is the real consumer's alone: observers never slow a replay.
 */
import type { PlayheadError } from '../core/errors.js';
import type { StoredEvent } from '../core/event.js';
import type { PlaybackSink, PlaybackState } from './playback-session.js';

export interface PlaybackObserver {
  event(event: StoredEvent): void;
  state(state: PlaybackState): void;
}

export class ObservedSink implements PlaybackSink {
  readonly #sink: PlaybackSink;
  readonly #observers = new Set<PlaybackObserver>();

  constructor(sink: PlaybackSink) {
    this.#sink = sink;
  }

  observe(observer: PlaybackObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  event(event: StoredEvent): void {
    this.#sink.event(event);
    for (const observer of this.#observers) observer.event(event);
  }

  state(state: PlaybackState): void {
    this.#sink.state(state);
    for (const observer of this.#observers) observer.state(state);
  }

  error(error: PlayheadError): void {
    this.#sink.error(error);
  }

  congested(): boolean {
    return this.#sink.congested();
  }

  slowConsumer(): void {
    this.#sink.slowConsumer();
  }
}
