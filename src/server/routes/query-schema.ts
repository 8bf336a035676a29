/**
 * Querystring schemas for the routes: unknown parameters are refused (a typo
 * such as `from=` fails loudly instead of reading everything), while
 * `token` always passes, for the auth hook.
 */

export function querySchema(properties: Record<string, object>) {
  return { type: 'object', properties: { ...properties, token: { type: 'string' } }, additionalProperties: false } as const;
}

/** The time window most reads take. */
export const WINDOW_QUERY_FIELDS = Object.freeze({ start: { type: 'string' }, end: { type: 'string' } });
