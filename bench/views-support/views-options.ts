/** Command-line options of `bench/views.ts`. */
import { parseArgs } from 'node:util';

export interface ViewsBenchOptions {
  /** How many times the demo's wikipedia events are repeated, each copy shifted later by the data's span. */
  readonly copies: number;
  /** Events per HTTP request and per engine batch. */
  readonly batchSize: number;
  /** HTTP requests in flight in the server figure. */
  readonly concurrency: number;
  /** Longest a library engine or a naive peer may run before it stops where it is, in seconds. */
  readonly budgetSeconds: number;
  /** Longest the server figure starts new requests, in seconds. */
  readonly serverSeconds: number;
  /** Longest the one-request-at-a-time latency figure starts new requests, in seconds. */
  readonly latencySeconds: number;
  /** Times each engine runs, alternating the order, so a burst of the machine's other work does not decide alone. */
  readonly rounds: number;
  readonly skipServer: boolean;
  readonly skipPostgres: boolean;
  readonly postgresUrl: string;
}

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const USAGE = 'usage: node --import tsx bench/views.ts [--copies 54] [--batch-size 1000] [--concurrency 4] [--budget-seconds 10] [--server-seconds 20] [--latency-seconds 10] [--rounds 2] [--skip-server] [--skip-postgres] [--postgres-url URL]';

export function parseViewsOptions(argv: readonly string[]): ViewsBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      copies: { type: 'string', default: '54' },
      'batch-size': { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '4' },
      'budget-seconds': { type: 'string', default: '10' },
      'server-seconds': { type: 'string', default: '20' },
      'latency-seconds': { type: 'string', default: '10' },
      rounds: { type: 'string', default: '2' },
      'skip-server': { type: 'boolean', default: false },
      'skip-postgres': { type: 'boolean', default: false },
      'postgres-url': { type: 'string', default: process.env.PLAYHEAD_BENCH_POSTGRES ?? DEFAULT_POSTGRES_URL },
    },
    strict: true,
  });
  return {
    copies: positiveInteger('copies', values.copies),
    batchSize: positiveInteger('batch-size', values['batch-size']),
    concurrency: positiveInteger('concurrency', values.concurrency),
    budgetSeconds: positiveInteger('budget-seconds', values['budget-seconds']),
    serverSeconds: positiveInteger('server-seconds', values['server-seconds']),
    latencySeconds: positiveInteger('latency-seconds', values['latency-seconds']),
    rounds: positiveInteger('rounds', values.rounds),
    skipServer: values['skip-server'],
    skipPostgres: values['skip-postgres'],
    postgresUrl: values['postgres-url'],
  };
}

export function positiveInteger(name: string, text: string): number {
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`--${name} must be an integer >= 1, got ${text}\n${USAGE}`);
  return value;
}
