/**
 * Numbers an evaluator's keys densely (0, 1, 2, ...) from the key strings
 * read off each event. Every event brings a fresh string, so a Map lookup
 * hashes it and then compares it with the stored key, a separate cold heap
 * object: with 100k interleaved keys that lookup was a fifth of the
 * evaluator's time, nearly all cache misses. Here the table is one
 * Int32Array of open-addressed slots, each holding the hash, the index, the
 * length and the first SHORT_KEY_CHARS UTF-16 units of its key, so a short
 * key (the usual session or device id) is found and compared in one slot:
 * one cache line touched. A longer key is confirmed against the stored
 * string.
 */

/** UTF-16 units of a key kept in its slot (two per Int32). */
const SHORT_KEY_CHARS = 10;
const SLOT_INTS = 3 + SHORT_KEY_CHARS / 2;
const INITIAL_SLOTS = 1 << 10;
/** The table doubles when more than half its slots are used. */
const MAX_LOAD = 0.5;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashOf(key: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < key.length; i += 1) hash = Math.imul(hash ^ key.charCodeAt(i), FNV_PRIME);
  // Never 0: a slot with hash 0 is empty.
  return (hash ^ key.length) | 1;
}

export class KeyIndex {
  /** By slot: hash (0: empty), index + 1, length, then the first units of the key, two per Int32. */
  #slots = new Int32Array(INITIAL_SLOTS * SLOT_INTS);
  #mask = INITIAL_SLOTS - 1;
  readonly #keys: string[] = [];

  get size(): number {
    return this.#keys.length;
  }

  /** The key of each index, in index order. */
  keys(): readonly string[] {
    return this.#keys;
  }

  keyAt(index: number): string {
    return this.#keys[index] as string;
  }

  /** The key's index, or -1. */
  get(key: string): number {
    const hash = hashOf(key);
    const slots = this.#slots;
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const at = slot * SLOT_INTS;
      const found = slots[at] as number;
      if (found === 0) return -1;
      if (found === hash && this.#matches(at, key)) return (slots[at + 1] as number) - 1;
    }
  }

  /** The key's index, numbering it next when it is new. */
  intern(key: string): number {
    const found = this.get(key);
    if (found >= 0) return found;
    const index = this.#keys.length;
    this.#keys.push(key);
    if (this.#keys.length > MAX_LOAD * (this.#mask + 1)) this.#grow();
    else this.#place(key, index);
    return index;
  }

  #matches(at: number, key: string): boolean {
    const slots = this.#slots;
    const length = key.length;
    if ((slots[at + 2] as number) !== length) return false;
    if (length > SHORT_KEY_CHARS) return this.#keys[(slots[at + 1] as number) - 1] === key;
    for (let i = 0; i < length; i += 2) {
      const pair = key.charCodeAt(i) | (i + 1 < length ? key.charCodeAt(i + 1) << 16 : 0);
      if ((slots[at + 3 + (i >> 1)] as number) !== pair) return false;
    }
    return true;
  }

  #place(key: string, index: number): void {
    const hash = hashOf(key);
    const slots = this.#slots;
    let slot = hash & this.#mask;
    while ((slots[slot * SLOT_INTS] as number) !== 0) slot = (slot + 1) & this.#mask;
    const at = slot * SLOT_INTS;
    slots[at] = hash;
    slots[at + 1] = index + 1;
    slots[at + 2] = key.length;
    const units = Math.min(key.length, SHORT_KEY_CHARS);
    for (let i = 0; i < units; i += 2) slots[at + 3 + (i >> 1)] = key.charCodeAt(i) | (i + 1 < units ? key.charCodeAt(i + 1) << 16 : 0);
  }

  #grow(): void {
    const size = 2 * (this.#mask + 1);
    this.#slots = new Int32Array(size * SLOT_INTS);
    this.#mask = size - 1;
    this.#keys.forEach((key, index) => this.#place(key, index));
  }
}
