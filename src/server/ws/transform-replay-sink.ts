/**
 * A replay of a scene channel (`scene.{scene}`) sent to a device as a live
 * scene is: each stored update as a `transform` message in a JSON array
 * frame (docs/scenes.md), so a device draws a replay with the code it draws
 * live updates with. State and error messages stay the playback's own.
 */
import type { PlayheadError } from '../../core/errors.js';
import type { StoredEvent } from '../../core/event.js';
import type { PlaybackSink, PlaybackState } from '../../playback/playback-session.js';
import type { TransformMessage } from '../../protocol/scene-messages.js';
import { SCENE_CHANNEL_PREFIX } from '../../scenes/scene-channels.js';
import type { SocketSink } from './socket-sink.js';

export class TransformReplaySink implements PlaybackSink {
  readonly #sink: SocketSink;
  readonly #send: (text: string) => void;
  readonly #scene: string;

  constructor(sink: SocketSink, channel: string, send: (text: string) => void) {
    this.#sink = sink;
    this.#send = send;
    this.#scene = channel.slice(SCENE_CHANNEL_PREFIX.length);
  }

  event(event: StoredEvent): void {
    const data = event.data as Omit<TransformMessage, 'type' | 'scene' | 'time'> | null;
    // Anything else in a scene channel (written by hand) is not a transform: a device would not know it.
    if (data === null || typeof data !== 'object' || !Array.isArray(data.location)) return;
    const message: TransformMessage = {
      type: 'transform', scene: this.#scene, object: data.object, seq: data.seq, time: event.ts,
      location: data.location, rotation: data.rotation, scale: data.scale,
    };
    this.#send(JSON.stringify([message]));
  }

  state(state: PlaybackState): void {
    this.#sink.state(state);
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
