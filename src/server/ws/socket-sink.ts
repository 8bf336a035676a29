/**
 * A playback session's output over one WebSocket. Congestion is the
 * socket's send buffer: above the limit a replay waits (it slows itself),
 * and live delivery gives up with `slow_consumer` and closes the socket
 * rather than buffering without bound.
 */
import type { WebSocket } from 'ws';
import { ERROR_CODES, PlayheadError } from '../../core/errors.js';
import type { StoredEvent } from '../../core/event.js';
import type { PlaybackSink, PlaybackState } from '../../playback/playback-session.js';
import { encodeError, encodeEvent, encodeState } from './message-encoder.js';

export class SocketSink implements PlaybackSink {
  readonly #socket: WebSocket;
  readonly #sub: string | undefined;
  readonly #maxBufferedBytes: number;

  constructor(socket: WebSocket, sub: string | undefined, maxBufferedBytes: number) {
    this.#socket = socket;
    this.#sub = sub;
    this.#maxBufferedBytes = maxBufferedBytes;
  }

  event(event: StoredEvent): void {
    this.#send(encodeEvent(event, this.#sub));
  }

  state(state: PlaybackState): void {
    this.#send(encodeState(state, this.#sub));
  }

  error(error: PlayheadError): void {
    this.#send(encodeError(error, this.#sub));
  }

  congested(): boolean {
    return this.#socket.bufferedAmount > this.#maxBufferedBytes;
  }

  slowConsumer(): void {
    const error = new PlayheadError('slow_consumer', `live delivery fell more than ${this.#maxBufferedBytes} bytes behind: read faster, then reconnect`);
    this.#send(encodeError(error, this.#sub));
    this.#socket.close(ERROR_CODES.slow_consumer.closeCode, 'slow_consumer');
  }

  #send(text: string): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(text);
  }
}
