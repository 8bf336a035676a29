/** Delivery to one UDP device, from the scene socket: one MTU per payload; behind while the socket's send queue is long. */
import type { Socket } from 'node:dgram';
import type { SceneTransport } from '../../scenes/scene-transport.js';

/** One MTU of payload (DESIGN scene relay: <= 1,200 bytes stays under every path MTU with headers). */
const UDP_PAYLOAD_BYTES = 1_200;
/** Datagrams queued in the socket above which UDP devices are coalesced. */
const MAX_QUEUED_DATAGRAMS = 4_096;

export class UdpTransport implements SceneTransport {
  readonly kind = 'udp';
  readonly address: string;
  readonly maxPayloadBytes = UDP_PAYLOAD_BYTES;
  readonly heartbeats = true;
  readonly #socket: Socket;
  readonly #host: string;
  readonly #port: number;
  #open = true;

  constructor(socket: Socket, host: string, port: number) {
    this.#socket = socket;
    this.#host = host;
    this.#port = port;
    this.address = `${host}:${port}`;
  }

  writable(): boolean {
    return this.#socket.getSendQueueCount() < MAX_QUEUED_DATAGRAMS;
  }

  send(payload: Buffer): void {
    if (this.#open) this.#socket.send(payload, this.#port, this.#host);
  }

  closed(): void {
    this.#open = false;
  }
}
