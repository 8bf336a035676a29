/**
 * The `sources` section of a `playhead serve --config FILE` (docs/sources.md):
 * each name maps to a source URL, or to `{ "url": ..., "table": ..., ... }`
 * whose fields are the URL's parameters. Every mistake names the field,
 * like `playhead.json: sources.trips.time must be a string, got 5`.
 */
import { describeValue } from '../../core/describe-value.js';
import { PlayheadError } from '../../core/errors.js';
import { DYNAMODB_SOURCE_PARAMETERS } from './parse-dynamodb-source-url.js';
import { SOURCE_PARAMETERS } from './parse-source-url.js';

/** Parameters that are durations: a number there means milliseconds. */
const DURATION_PARAMETERS = new Set(['poll', 'late']);

export interface ConfiguredSource {
  readonly name: string;
  readonly url: string;
}

/** The sources a config's `sources` value lists, as name and URL, in file order; `file` names the file in messages. */
export function parseSourcesConfig(value: unknown, file: string): readonly ConfiguredSource[] {
  const fail = (field: string, rule: string): never => {
    throw new PlayheadError('invalid_source', `${file}: ${field} ${rule}`);
  };
  if (!isPlainObject(value)) {
    return fail('sources', `must be an object mapping each source name to its URL (or to {"url": ..., "table": ..., "time": ...}), got ${describeValue(value)}`);
  }
  const sources: ConfiguredSource[] = [];
  for (const [name, entry] of Object.entries(value)) {
    const field = `sources.${name}`;
    if (typeof entry === 'string') {
      sources.push({ name, url: entry });
      continue;
    }
    if (!isPlainObject(entry)) fail(field, `must be a URL string or an object with "url", got ${describeValue(entry)}`);
    const fields = entry as Record<string, unknown>;
    const url = fields.url;
    if (typeof url !== 'string' || url.length === 0) fail(`${field}.url`, `must be a source URL like postgres://host/db, sqlite:./file.db or dynamodb://region/table, got ${describeValue(url)}`);
    const queryAt = (url as string).indexOf('?');
    const params = new URLSearchParams(queryAt < 0 ? '' : (url as string).slice(queryAt + 1));
    const allowed: readonly string[] = (url as string).startsWith('dynamodb://') ? DYNAMODB_SOURCE_PARAMETERS : SOURCE_PARAMETERS;
    for (const [key, parameter] of Object.entries(fields)) {
      if (key === 'url') continue;
      if (!allowed.includes(key)) fail(`${field}.${key}`, `is not a source field: the fields are url, ${allowed.join(', ')}`);
      if (params.has(key)) fail(`${field}.${key}`, 'is given in the url too: give it once');
      const text = typeof parameter === 'string' && parameter.length > 0 ? parameter
        : DURATION_PARAMETERS.has(key) && typeof parameter === 'number' && Number.isFinite(parameter) ? String(parameter)
          : fail(`${field}.${key}`, `must be a non-empty string${DURATION_PARAMETERS.has(key) ? ' or a number of ms' : ''}, got ${describeValue(parameter)}`);
      params.set(key, text);
    }
    const base = queryAt < 0 ? (url as string) : (url as string).slice(0, queryAt);
    const query = params.toString();
    sources.push({ name, url: query === '' ? base : `${base}?${query}` });
  }
  return sources;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
