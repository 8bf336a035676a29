/**
 * Turns a bus URL into a LiveBus: in-process for one node (the default), NATS
 * or PostgreSQL LISTEN/NOTIFY for several. Drivers are imported only when
 * asked for (STYLE "drivers stay in their folders").
 */
import { InProcessBus } from './in-process/in-process-bus.js';
import type { LiveBus } from './live-bus.js';

export const DEFAULT_BUS_URL = 'local';
/** `--bus postgres`: LISTEN/NOTIFY on the store's own PostgreSQL database. */
const STORE_POSTGRES_BUS = 'postgres';

const isPostgresUrl = (url: string) => url.startsWith('postgres://') || url.startsWith('postgresql://');

/** `storeUrl` is the node's --store: `--bus postgres` connects to it, and its `?schema=` keeps deployments in one database apart. */
export async function openBus(url: string, nodeId: string, storeUrl?: string): Promise<LiveBus> {
  if (url === DEFAULT_BUS_URL) return new InProcessBus();
  if (url.startsWith('nats://') || url.startsWith('tls://')) {
    const { NatsBus } = await import('./nats/nats-bus.js');
    return NatsBus.connect({ servers: url, name: `playhead ${nodeId}`, nodeId });
  }
  if (url === STORE_POSTGRES_BUS || isPostgresUrl(url)) return openPostgresBus(url === STORE_POSTGRES_BUS ? postgresStoreUrl(storeUrl) : url, nodeId, storeUrl);
  throw new Error(`unsupported bus URL ${JSON.stringify(url)}: use "local" (one node), nats://host:4222, postgres (LISTEN/NOTIFY on the --store database) or postgres://user@host:5432/db (nodes sharing one store)`);
}

function postgresStoreUrl(storeUrl: string | undefined): string {
  if (storeUrl !== undefined && isPostgresUrl(storeUrl)) return storeUrl;
  const why = storeUrl?.startsWith('sqlite:') === true
    ? 'a SQLite store is a file of one process and cannot be shared by several nodes'
    : `the store is ${JSON.stringify(storeUrl ?? 'not given')}`;
  throw new Error(`--bus postgres uses the --store PostgreSQL database for LISTEN/NOTIFY, but ${why}: use --store postgres://user@host:5432/db, or name the bus database with --bus postgres://user@host:5432/db, or use --bus nats://host:4222`);
}

async function openPostgresBus(url: string, nodeId: string, storeUrl: string | undefined): Promise<LiveBus> {
  const [{ PostgresBus }, { notifyPrefixForSchema }] = await Promise.all([import('./postgres/postgres-bus.js'), import('./postgres/postgres-notify-channels.js')]);
  // `?schema=` is ours (as in open-store), not libpq's: take it off before the driver reads the URL.
  const parsed = new URL(url);
  const storeSchema = storeUrl !== undefined && isPostgresUrl(storeUrl) ? new URL(storeUrl).searchParams.get('schema') : null;
  const schema = parsed.searchParams.get('schema') ?? storeSchema ?? undefined;
  parsed.searchParams.delete('schema');
  return PostgresBus.connect({
    connectionString: parsed.toString(),
    channelPrefix: notifyPrefixForSchema(schema),
    nodeId,
    // The bus reconnects by itself; the operator still wants to know the connection went.
    onError: (error) => console.error(`playhead: bus: ${(error as Error).message}`),
  });
}
