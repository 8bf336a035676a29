/** The benchmarks' seeded randomness: src/core's PRNG and the draws built on it. */
import type { Random } from '../../src/core/seeded-random.js';

export { seededRandom, type Random } from '../../src/core/seeded-random.js';

/** A uniform integer in [min, max]. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
