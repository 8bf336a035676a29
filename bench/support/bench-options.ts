/** Command-line options of `bench/store.ts`. */
import { parseArgs } from 'node:util';

export type StoreKind = 'sqlite' | 'postgres';

export interface BenchOptions {
  /** Events in the channel that seeks and histograms read. */
  readonly events: number;
  readonly stores: readonly StoreKind[];
  readonly skipHttp: boolean;
  readonly postgresUrl: string;
}

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];
const USAGE = 'usage: tsx bench/store.ts [--events N] [--stores sqlite,postgres] [--skip-http] [--postgres-url URL]';

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      events: { type: 'string', default: '10000000' },
      stores: { type: 'string', default: STORE_KINDS.join(',') },
      'skip-http': { type: 'boolean', default: false },
      'postgres-url': { type: 'string', default: process.env.PLAYHEAD_BENCH_POSTGRES ?? DEFAULT_POSTGRES_URL },
    },
    strict: true,
  });
  const events = Number(values.events.replaceAll('_', ''));
  if (!Number.isSafeInteger(events) || events < 10_000) throw new RangeError(`--events must be an integer >= 10000, got ${values.events}\n${USAGE}`);
  const stores = values.stores.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of stores) {
    if (!STORE_KINDS.includes(name as StoreKind)) throw new RangeError(`--stores takes ${STORE_KINDS.join(', ')}, got ${JSON.stringify(name)}\n${USAGE}`);
  }
  if (stores.length === 0) throw new RangeError(`--stores is empty\n${USAGE}`);
  return { events, stores: stores as StoreKind[], skipHttp: values['skip-http'], postgresUrl: values['postgres-url'] };
}
