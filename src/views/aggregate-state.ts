/**
 * One aggregate of one group, maintained incrementally in both directions:
 * values are added as events arrive and removed as they leave a sliding
 * window. min, max and count(DISTINCT) keep a multiset of values, so a
 * removal is exact; sum and avg keep running totals.
 */
import type { AggregateName, Literal } from './view-plan.js';

export class AggregateState {
  readonly #name: AggregateName;
  readonly #distinct: boolean;
  /** Values counted (non-null; every row for count(*)). */
  #count = 0;
  #sum = 0;
  /** Value -> multiplicity, for min, max and DISTINCT. */
  readonly #values: Map<Literal, number> | null;

  constructor(name: AggregateName, distinct: boolean) {
    this.#name = name;
    this.#distinct = distinct;
    this.#values = distinct || name === 'min' || name === 'max' ? new Map() : null;
  }

  /** `value` is undefined for count(*). */
  add(value: Literal | undefined): void {
    this.#update(value, 1);
  }

  remove(value: Literal | undefined): void {
    this.#update(value, -1);
  }

  result(): Literal {
    switch (this.#name) {
      case 'count': return this.#distinct ? (this.#values as Map<Literal, number>).size : this.#count;
      case 'sum': return this.#count === 0 ? null : this.#sum;
      case 'avg': return this.#count === 0 ? null : this.#sum / this.#count;
      case 'min':
      case 'max': return this.#extreme();
    }
  }

  #update(value: Literal | undefined, delta: 1 | -1): void {
    if (value === null) return;
    this.#count += delta;
    if (typeof value === 'number') this.#sum += delta * value;
    if (this.#values === null || value === undefined) return;
    const multiplicity = (this.#values.get(value) ?? 0) + delta;
    if (multiplicity === 0) this.#values.delete(value);
    else this.#values.set(value, multiplicity);
  }

  /** O(distinct values): min and max are read when a group's row is emitted, not per stored event. */
  #extreme(): Literal {
    let best: Literal = null;
    for (const value of (this.#values as Map<Literal, number>).keys()) {
      if (best === null || (this.#name === 'min' ? (value as number) < (best as number) : (value as number) > (best as number))) best = value;
    }
    return best;
  }
}
