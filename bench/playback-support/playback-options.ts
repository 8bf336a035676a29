/** Command-line options of `bench/playback.ts`, checked once and frozen. */
import { parseArgs } from 'node:util';

export interface PlaybackBenchOptions {
  /** Event-time length of the single-session replay (and of the timer floor beside it) and of the NATS replay, s. @default 30 (quick: 5) */
  readonly seconds: number;
  /** Concurrent replay sessions in the load figure. @default 1000 (quick: 100) */
  readonly sessions: number;
  /** Event-time length of the concurrent replay, s. @default 15 (quick: 5) */
  readonly manySeconds: number;
  /** Spread the concurrent sessions' play messages evenly over this long, ms; 0 starts them together (the worst case). @default 0 */
  readonly staggerMs: number;
  /** Client processes that share the concurrent sessions. @default 1 */
  readonly clients: number;
  /** Length of the live ingest-to-delivery run, s. @default 10 (quick: 3) */
  readonly liveSeconds: number;
  /** Single-event POSTs per second in the live run. @default 200 */
  readonly liveRate: number;
  /** Events per second of event time in every replayed channel. @default 100 */
  readonly rate: number;
  readonly skipNats: boolean;
  /** @default nats://127.0.0.1:4222, or $PLAYHEAD_BENCH_NATS */
  readonly natsUrl: string;
  /** Which figures to run, in order. @default all of them */
  readonly figures: readonly Figure[];
  readonly quick: boolean;
}

export const FIGURES = ['single', 'many', 'many_bare', 'live', 'nats'] as const;
export type Figure = (typeof FIGURES)[number];

const USAGE = 'usage: tsx bench/playback.ts [--quick] [--sessions N] [--seconds S] [--many-seconds S] [--clients K] [--stagger-ms MS] '
  + '[--live-seconds S] [--live-rate N] [--figures single,many,many_bare,live,nats] [--skip-nats] [--nats-url URL]';

export function parsePlaybackOptions(argv: readonly string[]): PlaybackBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      sessions: { type: 'string' },
      seconds: { type: 'string' },
      'many-seconds': { type: 'string' },
      clients: { type: 'string', default: '1' },
      'stagger-ms': { type: 'string', default: '0' },
      'live-seconds': { type: 'string' },
      'live-rate': { type: 'string', default: '200' },
      figures: { type: 'string', default: FIGURES.join(',') },
      'skip-nats': { type: 'boolean', default: false },
      'nats-url': { type: 'string', default: process.env.PLAYHEAD_BENCH_NATS ?? 'nats://127.0.0.1:4222' },
    },
    strict: true,
  });
  const quick = values.quick;
  const figures = values.figures.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of figures) {
    if (!(FIGURES as readonly string[]).includes(name)) throw new RangeError(`--figures takes ${FIGURES.join(', ')}, got ${JSON.stringify(name)}\n${USAGE}`);
  }
  const sessions = integer('sessions', values.sessions ?? (quick ? '100' : '1000'), 1, 5_000);
  const clients = integer('clients', values.clients, 1, 8);
  if (clients > sessions) throw new RangeError(`--clients (${clients}) must not exceed --sessions (${sessions})\n${USAGE}`);
  return Object.freeze({
    seconds: integer('seconds', values.seconds ?? (quick ? '5' : '30'), 1, 600),
    sessions,
    manySeconds: integer('many-seconds', values['many-seconds'] ?? (quick ? '5' : '15'), 1, 600),
    clients,
    staggerMs: integer('stagger-ms', values['stagger-ms'], 0, 60_000),
    liveSeconds: integer('live-seconds', values['live-seconds'] ?? (quick ? '3' : '10'), 1, 600),
    liveRate: integer('live-rate', values['live-rate'], 1, 5_000),
    rate: 100,
    skipNats: values['skip-nats'],
    natsUrl: values['nats-url'],
    figures: Object.freeze(figures as Figure[]),
    quick,
  });
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}\n${USAGE}`);
  }
  return value;
}
