/** A WebSocket test client that records every message and waits for the ones a test expects. */
import { once } from 'node:events';
import WebSocket from 'ws';

export type Message = Record<string, unknown> & { type: string };

export class TestClient {
  readonly socket: WebSocket;
  readonly messages: Message[] = [];
  #waiters: (() => void)[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as Message);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const socket = new WebSocket(url, { headers });
    const client = new TestClient(socket);
    await once(socket, 'open');
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves with the first recorded message (from `from` on) that matches; fails after `timeoutMs`. */
  async waitFor(match: (message: Message) => boolean, from = 0, timeoutMs = 5_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found !== undefined) return found;
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`socket closed before the message came; got ${JSON.stringify(this.messages.slice(-3))}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out; last messages ${JSON.stringify(this.messages.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  of(type: string): Message[] {
    return this.messages.filter((m) => m.type === type);
  }

  close(): void {
    this.socket.terminate();
  }
}
