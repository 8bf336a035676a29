/**
 * Options of the DynamoDB store, and the store URL
 * `dynamodb://REGION[?table=NAME&endpoint=URL&bucket=1h]` (`dynamodb://local?endpoint=http://127.0.0.1:8000`
 * for DynamoDB Local or dynalite). Real AWS takes the SDK's usual credentials.
 */
import { parseDuration } from '../../core/duration.js';

export interface DynamoDbStoreConfig {
  /** AWS region; `local` means a local endpoint with placeholder credentials. @default "local" */
  readonly region?: string;
  /** Endpoint URL (DynamoDB Local, dynalite); undefined: AWS's own. */
  readonly endpoint?: string;
  /** The one table that holds every item; created (on demand billing) if missing. @default "playhead_events" */
  readonly table?: string;
  /** Width of the time buckets a channel's events are partitioned by, in ms, so a hot channel spreads over partitions. @default 3600000 (1 h) */
  readonly bucketMs?: number;
  /** Attempts for a throttled or partly processed batch write, with exponential backoff. @default 8 */
  readonly maxWriteAttempts?: number;
  /** First backoff delay, in ms; doubled each attempt up to 2 s. @default 25 */
  readonly backoffBaseMs?: number;
  /** How long an append waits for an earlier append's seqs to commit before it moves the live position past them, in ms. @default 5000 */
  readonly commitWaitMs?: number;
  /** How long an unfinished id claim (an append that crashed) blocks that id, in ms. @default 60000 */
  readonly claimLeaseMs?: number;
}

export const DYNAMODB_DEFAULTS = Object.freeze({
  region: 'local',
  table: 'playhead_events',
  bucketMs: 3_600_000,
  maxWriteAttempts: 8,
  backoffBaseMs: 25,
  commitWaitMs: 5_000,
  claimLeaseMs: 60_000,
});

export type ResolvedDynamoDbConfig = Readonly<typeof DYNAMODB_DEFAULTS & { endpoint: string | undefined }>;

export function resolveDynamoDbConfig(config: DynamoDbStoreConfig): ResolvedDynamoDbConfig {
  const defined = Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
  const resolved = { ...DYNAMODB_DEFAULTS, endpoint: undefined, ...defined };
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(resolved.table)) throw new RangeError(`DynamoDbStoreConfig.table must be 3-255 characters of A-Z a-z 0-9 _ . -, got ${JSON.stringify(resolved.table)}`);
  for (const field of ['bucketMs', 'maxWriteAttempts', 'backoffBaseMs', 'commitWaitMs', 'claimLeaseMs'] as const) {
    if (!Number.isSafeInteger(resolved[field]) || resolved[field] < 1) throw new RangeError(`DynamoDbStoreConfig.${field} must be an integer >= 1, got ${String(resolved[field])}`);
  }
  return Object.freeze(resolved);
}

/** `dynamodb://REGION?table=&endpoint=&bucket=` as a config. */
export function parseDynamoDbUrl(url: string): DynamoDbStoreConfig {
  const parsed = new URL(url);
  const known = new Set(['table', 'endpoint', 'bucket']);
  for (const key of parsed.searchParams.keys()) {
    if (!known.has(key)) throw new Error(`unknown parameter ${JSON.stringify(key)} in the DynamoDB store URL: it takes table, endpoint and bucket`);
  }
  const bucket = parsed.searchParams.get('bucket');
  return {
    region: parsed.hostname === '' ? undefined : parsed.hostname,
    endpoint: parsed.searchParams.get('endpoint') ?? undefined,
    table: parsed.searchParams.get('table') ?? undefined,
    bucketMs: bucket === null ? undefined : parseDuration(bucket, { field: 'bucket' }),
  };
}
