/**
 * Parses `dynamodb://REGION/TABLE?partition=device_id&sort=ts` source URLs
 * (docs/sources.md), and dispatches any source URL to its parser. Every
 * mistake is an `invalid_source` error that names the source and the fix.
 */
import { PlayheadError } from '../../core/errors.js';
import { durationParam, parseSourceUrl, redact, validateSourceName } from './parse-source-url.js';
import { SOURCE_DEFAULTS, type AnySourceSpec, type DynamoDbSourceSpec } from './source-spec.js';
import { EPOCH_UNITS, type EpochUnit } from './time-codec.js';

export const DYNAMODB_SOURCE_PARAMETERS = ['partition', 'sort', 'time', 'id', 'unit', 'index', 'endpoint', 'poll', 'late'] as const;
/** DynamoDB's own limits on table, index and attribute names. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const ATTRIBUTE_MAX_CHARS = 255;

/** Any source URL: `dynamodb://` here, the SQL ones in parse-source-url.ts. */
export function parseAnySourceUrl(name: string, url: string): AnySourceSpec {
  return typeof url === 'string' && url.startsWith('dynamodb://') ? parseDynamoDbSourceUrl(name, url) : parseSourceUrl(name, url);
}

export function parseDynamoDbSourceUrl(name: string, url: string): DynamoDbSourceSpec {
  validateSourceName(name);
  const fail = (rule: string): never => {
    throw new PlayheadError('invalid_source', `source ${name}: ${rule}`);
  };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(`${JSON.stringify(redact(url))} is not a URL like dynamodb://us-east-1/readings?partition=device_id&sort=ts`);
  }
  if (parsed.username !== '' || parsed.password !== '') fail('a dynamodb:// URL takes no credentials: the AWS SDK finds them (environment, ~/.aws, role)');
  const region = parsed.hostname === '' ? fail('the URL needs a region, like dynamodb://us-east-1/TABLE (dynamodb://local/TABLE?endpoint=http://127.0.0.1:8000 for DynamoDB Local or dynalite)') : parsed.hostname;
  const table = decodeURIComponent(parsed.pathname.slice(1));
  if (!TABLE_NAME.test(table)) fail(`the URL needs the table after the region, 3-255 characters of A-Z a-z 0-9 _ . -, like dynamodb://${region}/readings; got ${JSON.stringify(table)}`);
  const params = parsed.searchParams;
  for (const key of new Set(params.keys())) {
    if (params.getAll(key).length > 1) fail(`parameter ${key} is given twice`);
    if (!(DYNAMODB_SOURCE_PARAMETERS as readonly string[]).includes(key)) fail(`unknown parameter ${JSON.stringify(key)}: a DynamoDB source takes ${DYNAMODB_SOURCE_PARAMETERS.join(', ')}`);
  }
  const attribute = (field: string): string | undefined => {
    const value = params.get(field);
    if (value === null) return undefined;
    if (value.length === 0 || value.length > ATTRIBUTE_MAX_CHARS) fail(`${field} must be an attribute name of 1-${ATTRIBUTE_MAX_CHARS} characters, got ${JSON.stringify(value)}`);
    return value;
  };
  const endpoint = params.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) fail(`endpoint must be an http(s) URL like http://127.0.0.1:8000, got ${JSON.stringify(endpoint)}`);
  if (region === 'local' && endpoint === undefined) fail('region local needs &endpoint=http://HOST:PORT (DynamoDB Local or dynalite)');
  const index = attribute('index');
  if (index !== undefined && !TABLE_NAME.test(index)) fail(`index must be a global secondary index name of 3-255 characters of A-Z a-z 0-9 _ . -, got ${JSON.stringify(index)}`);
  const unit = params.get('unit');
  if (unit !== null && !(EPOCH_UNITS as readonly string[]).includes(unit)) fail(`unit must be one of ${EPOCH_UNITS.join(', ')}, got ${JSON.stringify(unit)}`);
  const duration = (field: string, fallback: number): number => durationParam(params.get(field), field, fallback, fail);

  return Object.freeze({
    name,
    kind: 'dynamodb' as const,
    displayUrl: redact(url),
    region,
    endpoint,
    table,
    index,
    partition: attribute('partition'),
    sort: attribute('sort'),
    timeAttribute: attribute('time'),
    idAttribute: attribute('id'),
    timeUnit: (unit ?? undefined) as EpochUnit | undefined,
    pollIntervalMs: duration('poll', SOURCE_DEFAULTS.pollIntervalMs),
    lateWindowMs: duration('late', SOURCE_DEFAULTS.lateWindowMs),
    notifyChannel: undefined,
  });
}
