/**
 * The scenes' UDP input port (`--scene-udp-port`, default 8081): every
 * datagram goes to the registry, nothing is ever answered (fire-and-forget).
 * UDP devices receive their updates from this same socket.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { PlayheadError } from '../../core/errors.js';
import type { SceneRegistry } from '../../scenes/scene-registry.js';
import type { SceneTransport } from '../../scenes/scene-transport.js';
import { UdpTransport } from './udp-transport.js';

export interface SceneUdpOptions {
  /** Port to bind; 0 picks a free one. @default 8081 (set by the CLI) */
  readonly port: number;
  /** Address to bind. @default "127.0.0.1" */
  readonly host?: string;
  /** Kernel receive and send buffers asked for, bytes (the OS may cap them). @default 4 MiB */
  readonly socketBufferBytes?: number;
}

const DEFAULT_SOCKET_BUFFER_BYTES = 4 << 20;
const ADDRESS_PATTERN = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/;

export class SceneUdpServer {
  readonly #socket: Socket;
  #port = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  static async listen(registry: SceneRegistry, options: SceneUdpOptions): Promise<SceneUdpServer> {
    const host = options.host ?? '127.0.0.1';
    const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    const server = new SceneUdpServer(socket);
    socket.on('message', (message, remote) => registry.receiveDatagram(message, `${remote.address}:${remote.port}`));
    // A send to a closed port surfaces as an ICMP error on some systems; a lost datagram is the UDP contract, not a fault.
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const bufferBytes = options.socketBufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES;
    try {
      socket.setRecvBufferSize(bufferBytes);
      socket.setSendBufferSize(bufferBytes);
    } catch {
      // The OS caps buffer sizes (net.core.rmem_max); the default buffers still work, with less headroom for bursts.
    }
    server.#port = socket.address().port;
    return server;
  }

  get port(): number {
    return this.#port;
  }

  /** A transport to the device at "host:port" (an IP literal); throws `invalid_parameter`. */
  transportTo(address: unknown): SceneTransport {
    const match = typeof address === 'string' ? ADDRESS_PATTERN.exec(address) : null;
    const host = match === null ? '' : ((match[1] ?? match[2]) as string);
    const port = match === null ? 0 : Number(match[3]);
    const resolved = host === 'localhost' ? '127.0.0.1' : host;
    if (match === null || isIP(resolved) === 0 || port < 1 || port > 65_535) {
      throw new PlayheadError('invalid_parameter', `udp must be "host:port" with an IP address and a port 1-65535 (like "127.0.0.1:9000" or "[::1]:9000"), got ${JSON.stringify(address) ?? 'nothing'}`);
    }
    return new UdpTransport(this.#socket, resolved, port);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}
