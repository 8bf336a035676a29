/**
 * Realistic producer events, deterministic per seed: times advance by a
 * jittered gap, a small share arrive late (stamped up to `maxLateMs` in the
 * past), ids are unique per stream, and `data` is either a ~200-byte vehicle
 * reading ("rich") or a ~45-byte sensor value ("small").
 */
import type { EventInput } from '../../src/core/event.js';
import { randomInt, seededRandom, type Random } from './random.js';

export type Payload = 'rich' | 'small';

export interface EventStreamOptions {
  readonly seed: number;
  /** Time of the first event, epoch ms. */
  readonly startTs: number;
  /** Mean spacing between events, ms; each gap is uniform in [0.5, 1.5] times it. */
  readonly meanGapMs: number;
  /** Share of events stamped in the past (late arrivals). */
  readonly lateFraction: number;
  /** Furthest in the past a late event is stamped, ms. */
  readonly maxLateMs: number;
  readonly payload: Payload;
  /** Ids are `${idPrefix}-${n}`; null sends events without ids. */
  readonly idPrefix: string | null;
}

/** 2024-01-01T00:00:00Z: a fixed origin, so windows and buckets repeat across runs. */
export const BENCH_EPOCH_MS = Date.UTC(2024, 0, 1);

const STATUSES = ['moving', 'idle', 'loading', 'parked'] as const;

export interface TimedEventInput extends EventInput {
  readonly time: number;
}

export class EventStream {
  readonly #options: EventStreamOptions;
  readonly #random: Random;
  #clock: number;
  #count = 0;

  constructor(options: EventStreamOptions) {
    this.#options = options;
    this.#random = seededRandom(options.seed);
    this.#clock = options.startTs;
  }

  next(): TimedEventInput {
    const { meanGapMs, lateFraction, maxLateMs, idPrefix } = this.#options;
    const random = this.#random;
    this.#clock += meanGapMs * (0.5 + random());
    const late = random() < lateFraction;
    const time = Math.floor(late ? this.#clock - random() * maxLateMs : this.#clock);
    this.#count += 1;
    const data = this.#options.payload === 'rich' ? this.#richData() : this.#smallData();
    return idPrefix === null ? { time, data } : { time, id: `${idPrefix}-${this.#count}`, data };
  }

  take(count: number): TimedEventInput[] {
    return Array.from({ length: count }, () => this.next());
  }

  /** ~200 bytes of JSON. */
  #richData(): unknown {
    const random = this.#random;
    const vehicle = randomInt(random, 1, 500);
    return {
      vehicle: `truck-${String(vehicle).padStart(4, '0')}`,
      kind: 'position',
      lat: round(52.3 + random() * 0.4, 6),
      lon: round(13.1 + random() * 0.6, 6),
      speedKmh: round(random() * 90, 1),
      heading: randomInt(random, 0, 359),
      battery: round(random(), 2),
      status: STATUSES[randomInt(random, 0, STATUSES.length - 1)],
      driver: `driver-${1000 + vehicle}`,
      route: `R-${randomInt(random, 1, 40)}/${'ABCD'[randomInt(random, 0, 3)]}`,
      odometerKm: round(10_000 + random() * 190_000, 1),
    };
  }

  /** ~45 bytes of JSON. */
  #smallData(): unknown {
    const random = this.#random;
    return { sensor: `s-${String(randomInt(random, 1, 999)).padStart(3, '0')}`, value: round(random() * 100, 3), ok: random() < 0.98 };
  }
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
