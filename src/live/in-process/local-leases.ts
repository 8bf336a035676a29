/** Leases for a node alone on its store: every request is won at once. */
import type { LeaseHandlers, Leases } from '../leases.js';

export class LocalLeases implements Leases {
  readonly #nodeId: string;
  readonly #held = new Map<string, LeaseHandlers>();

  constructor(nodeId: string) {
    this.#nodeId = nodeId;
  }

  async request(name: string, handlers: LeaseHandlers): Promise<() => void> {
    if (this.#held.has(name)) throw new Error(`lease ${name} is already requested on this node`);
    this.#held.set(name, handlers);
    await handlers.gained();
    return () => {
      if (this.#held.get(name) !== handlers) return;
      this.#held.delete(name);
      handlers.lost();
    };
  }

  async owners(): Promise<ReadonlyMap<string, string>> {
    return new Map([...this.#held.keys()].map((name) => [name, this.#nodeId]));
  }

  async close(): Promise<void> {
    const held = [...this.#held.values()];
    this.#held.clear();
    for (const handlers of held) handlers.lost();
  }
}
