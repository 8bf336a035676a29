/**
 * Parses `NAME=URL` source mounts (sources issue):
 * `postgres://host/db?table=public.trips&time=pickup_at&id=trip_id&key=vendor_id`,
 * `redshift://host:5439/db?table=...&time=...`, `sqlite:./file.db?table=...&time=...`.
 * Every mistake is an `invalid_source` error that names the source and the fix.
 */
import { isChannelName } from '../../core/channel-name.js';
import { parseDuration } from '../../core/duration.js';
import { PlayheadError } from '../../core/errors.js';
import { SOURCE_DEFAULTS, type SourceKind, type SourceSpec } from './source-spec.js';
import { EPOCH_UNITS, type EpochUnit } from './time-codec.js';

/** Mapping parameters; everything else in a postgres URL's query goes to the driver only if listed in DRIVER_PARAMETERS. */
const MAPPING_PARAMETERS = ['table', 'time', 'id', 'key', 'unit', 'poll', 'late', 'notify'] as const;
const DRIVER_PARAMETER_NAMES = ['sslmode', 'application_name', 'connect_timeout'] as const;
const DRIVER_PARAMETERS = new Set<string>(DRIVER_PARAMETER_NAMES);
/** Every parameter a source URL may carry (the config file's fields, beside `url`). */
export const SOURCE_PARAMETERS: readonly string[] = [...MAPPING_PARAMETERS, ...DRIVER_PARAMETER_NAMES];
/** Source names are channel names without `/` or `=`, short enough to leave room for `/key=value`. */
export const SOURCE_NAME_MAX_CHARS = 64;
const RESERVED_PREFIX = 'playhead.';
const IDENTIFIER_MAX_CHARS = 63;

/** Splits `NAME=URL` as the CLI flag gives it. */
export function parseSourceFlag(flag: string): { readonly name: string; readonly url: string } {
  const equals = flag.indexOf('=');
  if (equals <= 0) {
    throw new PlayheadError('invalid_source', `--source must be NAME=URL, like trips=postgres://host/db?table=public.trips&time=pickup_at, got ${JSON.stringify(flag)}`);
  }
  return { name: flag.slice(0, equals), url: flag.slice(equals + 1) };
}

export function validateSourceName(name: unknown): string {
  if (typeof name === 'string' && isChannelName(name) && !name.includes('/') && !name.includes('=')
    && name.length <= SOURCE_NAME_MAX_CHARS && !name.startsWith(RESERVED_PREFIX)) return name;
  throw new PlayheadError('invalid_source',
    `source name must be 1-${SOURCE_NAME_MAX_CHARS} characters of A-Z a-z 0-9 . _ : - not starting with "${RESERVED_PREFIX}", got ${JSON.stringify(name)}`);
}

export function parseSourceUrl(name: string, url: string): SourceSpec {
  validateSourceName(name);
  const fail = (rule: string): never => {
    throw new PlayheadError('invalid_source', `source ${name}: ${rule}`);
  };
  if (typeof url !== 'string' || url.length === 0) return fail('the URL is empty: use postgres://..., redshift://... or sqlite:PATH with ?table=...&time=...');
  const kind = kindOf(url) ?? fail(`unsupported URL ${JSON.stringify(redact(url))}: use postgres://host/db, redshift://host:5439/db or sqlite:PATH, each with ?table=...&time=..., or dynamodb://REGION/TABLE`);
  const queryAt = url.indexOf('?');
  const params = new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1));
  const known = new Set<string>(MAPPING_PARAMETERS);
  const driverParams = new URLSearchParams();
  for (const key of new Set(params.keys())) {
    if (params.getAll(key).length > 1) fail(`parameter ${key} is given twice`);
    if (known.has(key)) continue;
    if (kind !== 'sqlite' && DRIVER_PARAMETERS.has(key)) driverParams.set(key, params.get(key) as string);
    else fail(`unknown parameter ${JSON.stringify(key)}: a source takes ${MAPPING_PARAMETERS.join(', ')}${kind === 'sqlite' ? '' : `, and ${[...DRIVER_PARAMETERS].join(', ')} for the driver`}`);
  }
  const table = params.get('table') ?? fail('the URL needs ?table=NAME (or schema.name): the table to read');
  const [schema, tableName] = splitTable(table) ?? fail(`table must be NAME or SCHEMA.NAME, got ${JSON.stringify(table)}`);
  const timeColumn = identifier('time', params.get('time') ?? fail('the URL needs &time=COLUMN: the column holding each row\'s event time'), fail);
  const idColumn = optionalIdentifier('id', params.get('id'), fail);
  const keyColumn = optionalIdentifier('key', params.get('key'), fail);
  const unitText = params.get('unit');
  if (unitText !== null && !(EPOCH_UNITS as readonly string[]).includes(unitText)) fail(`unit must be one of ${EPOCH_UNITS.join(', ')}, got ${JSON.stringify(unitText)}`);
  if (keyColumn !== undefined && (keyColumn === timeColumn || keyColumn === idColumn)) fail('key must be a column other than time and id');
  if (idColumn !== undefined && idColumn === timeColumn) fail('id must be a column other than time');
  const notify = params.get('notify') ?? undefined;
  if (notify !== undefined && kind !== 'postgres') fail(`notify needs PostgreSQL's LISTEN/NOTIFY, which ${kind === 'redshift' ? 'Redshift' : 'SQLite'} does not have: remove it (the table is polled)`);
  if (notify !== undefined) identifier('notify', notify, fail);
  const base = queryAt < 0 ? url : url.slice(0, queryAt);
  return Object.freeze({
    name,
    kind,
    connection: connectionOf(kind, base, driverParams, fail),
    displayUrl: redact(url),
    schema,
    table: tableName,
    timeColumn,
    idColumn,
    keyColumn,
    timeUnit: (unitText ?? undefined) as EpochUnit | undefined,
    pollIntervalMs: durationParam(params.get('poll'), 'poll', SOURCE_DEFAULTS.pollIntervalMs, fail),
    lateWindowMs: durationParam(params.get('late'), 'late', SOURCE_DEFAULTS.lateWindowMs, fail),
    notifyChannel: notify,
  });
}

function kindOf(url: string): SourceKind | undefined {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  if (url.startsWith('redshift://')) return 'redshift';
  if (url.startsWith('sqlite:')) return 'sqlite';
  return undefined;
}

function connectionOf(kind: SourceKind, base: string, driverParams: URLSearchParams, fail: (rule: string) => never): string {
  if (kind === 'sqlite') {
    const path = base.slice('sqlite:'.length);
    if (path.length === 0 || path === ':memory:') fail('sqlite: needs the path of an existing database file, like sqlite:./trips.db');
    return path;
  }
  // Redshift speaks the PostgreSQL wire protocol: the same driver connects to it.
  const text = kind === 'redshift' ? `postgres://${base.slice('redshift://'.length)}` : base;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return fail(`${JSON.stringify(redact(base))} is not a URL like postgres://user@host:5432/db`);
  }
  if (parsed.pathname.length <= 1) fail('the URL needs a database name, like postgres://host:5432/db');
  const extra = driverParams.toString();
  return extra === '' ? text : `${text}?${extra}`;
}

function splitTable(table: string): readonly [string | undefined, string] | undefined {
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((part) => part.length === 0 || part.length > IDENTIFIER_MAX_CHARS || part.includes('\u0000'))) return undefined;
  return parts.length === 2 ? [parts[0], parts[1] as string] : [undefined, parts[0] as string];
}

function identifier(field: string, value: string, fail: (rule: string) => never): string {
  if (value.length === 0 || value.length > IDENTIFIER_MAX_CHARS || value.includes('\u0000')) fail(`${field} must be a column name of 1-${IDENTIFIER_MAX_CHARS} characters, got ${JSON.stringify(value)}`);
  return value;
}

function optionalIdentifier(field: string, value: string | null, fail: (rule: string) => never): string | undefined {
  return value === null ? undefined : identifier(field, value, fail);
}

/** A duration parameter (`250ms`, `1s`; `0` or `off` for none), or `fallback` when absent. */
export function durationParam(value: string | null, field: string, fallback: number, fail: (rule: string) => never): number {
  if (value === null) return fallback;
  if (value === '0' || value === 'off') return 0;
  try {
    return parseDuration(value, { field });
  } catch (error) {
    return fail(`${field}: ${(error as Error).message}`);
  }
}

/** The URL with its password, if any, replaced: URLs are shown by GET /v1/sources and in logs. */
export function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@?]*):[^@/?]*@/i, '$1:***@');
}
