/** A min-heap of (due time, key): the next transition no event marks, per key. Stale entries are skipped by the caller. */

export interface DueEntry {
  readonly due: number;
  readonly key: string;
}

export class DueHeap {
  readonly #items: DueEntry[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): DueEntry | undefined {
    return this.#items[0];
  }

  push(entry: DueEntry): void {
    const items = this.#items;
    items.push(entry);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((items[parent] as DueEntry).due <= entry.due) break;
      items[index] = items[parent] as DueEntry;
      index = parent;
    }
    items[index] = entry;
  }

  pop(): DueEntry | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && (items[right] as DueEntry).due < (items[left] as DueEntry).due ? right : left;
      if ((items[child] as DueEntry).due >= last.due) break;
      items[index] = items[child] as DueEntry;
      index = child;
    }
    items[index] = last;
    return top;
  }
}
