/**
 * Leases a test hands out itself: what one node sees when another node
 * holds a lease (nothing is granted until the test says so), and a takeover
 * (`grant`) or a loss (`revoke`) at the moment the test chooses.
 */
import type { LeaseHandlers, Leases } from '../../src/live/leases.js';

export class ManualLeases implements Leases {
  readonly #requests = new Map<string, LeaseHandlers>();
  readonly #held = new Set<string>();

  async request(name: string, handlers: LeaseHandlers): Promise<() => void> {
    this.#requests.set(name, handlers);
    return () => {
      this.revoke(name);
      this.#requests.delete(name);
    };
  }

  async grant(name: string): Promise<void> {
    const handlers = this.#requests.get(name);
    if (handlers === undefined) throw new Error(`nothing on this node asked for lease ${name}`);
    this.#held.add(name);
    await handlers.gained();
  }

  revoke(name: string): void {
    if (this.#held.delete(name)) this.#requests.get(name)?.lost();
  }

  async owners(): Promise<ReadonlyMap<string, string>> {
    return new Map([...this.#held].map((name) => [name, 'this node']));
  }

  async close(): Promise<void> {
    for (const name of [...this.#held]) this.revoke(name);
  }
}
