/** A UDP scene device for tests: a socket on a free port that records every datagram and waits for the ones a test expects. */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { TestContext } from 'node:test';

export class UdpDevice {
  readonly socket: Socket;
  readonly datagrams: Buffer[] = [];
  #waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('message', (message) => {
      this.datagrams.push(message);
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  static async open(t: TestContext): Promise<UdpDevice> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    t.after(() => socket.close());
    return new UdpDevice(socket);
  }

  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  send(bytes: Buffer, port: number): void {
    this.socket.send(bytes, port, '127.0.0.1');
  }

  /** Every JSON transform message received so far. */
  messages(): Record<string, unknown>[] {
    return this.datagrams.flatMap((d) => JSON.parse(d.toString()) as Record<string, unknown>[]);
  }

  async waitFor(done: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out; got ${this.datagrams.length} datagrams`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 50));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
