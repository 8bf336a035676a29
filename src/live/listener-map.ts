/** Listeners by name (a channel, a notice topic), added and removed without leaving empty sets behind. */
export class ListenerMap<Listener> {
  readonly #byName = new Map<string, Set<Listener>>();

  /** Adds `listener`; `onFirst` runs when `name` gets its first listener, `onLast` when it loses its last. */
  add(name: string, listener: Listener, hooks?: { onFirst?: () => void; onLast?: () => void }): () => void {
    let listeners = this.#byName.get(name);
    if (listeners === undefined) {
      listeners = new Set();
      this.#byName.set(name, listeners);
      hooks?.onFirst?.();
    }
    listeners.add(listener);
    return () => {
      if (!listeners.delete(listener) || listeners.size > 0) return;
      this.#byName.delete(name);
      hooks?.onLast?.();
    };
  }

  get(name: string): Iterable<Listener> {
    return this.#byName.get(name) ?? [];
  }

  names(): Iterable<string> {
    return this.#byName.keys();
  }

  clear(): void {
    this.#byName.clear();
  }
}
