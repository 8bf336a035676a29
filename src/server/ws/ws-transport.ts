/** Delivery to a WebSocket scene device: one frame per packed payload (text for JSON, binary for records); behind while its send buffer is over the limit. */
import type { WebSocket } from 'ws';
import type { SceneFormat, SceneTransport } from '../../scenes/scene-transport.js';

/** Updates of one loop turn go in frames of at most this size. */
const WS_PAYLOAD_BYTES = 64 << 10;

export class WsTransport implements SceneTransport {
  readonly kind = 'ws';
  readonly address: string;
  readonly maxPayloadBytes = WS_PAYLOAD_BYTES;
  readonly heartbeats = false;
  readonly #socket: WebSocket;
  readonly #binary: boolean;
  readonly #maxBufferedBytes: number;

  constructor(socket: WebSocket, format: SceneFormat, maxBufferedBytes: number) {
    this.#socket = socket;
    this.#binary = format === 'binary';
    this.#maxBufferedBytes = maxBufferedBytes;
    this.address = 'websocket';
  }

  writable(): boolean {
    return this.#socket.bufferedAmount < this.#maxBufferedBytes;
  }

  send(payload: Buffer): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(payload, { binary: this.#binary });
  }

  closed(): void {
    // The connection stays open: leaving a scene or a deleted scene only stops the updates.
  }
}
