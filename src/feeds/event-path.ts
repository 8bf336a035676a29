/**
 * Field paths of feed rules over a stored event: `ts`, `seq`, `id`,
 * `channel`, or `data.a.b` (a number indexes an array). Own properties only,
 * so `data.__proto__` reads data, never a prototype.
 */
import { PlayheadError } from '../core/errors.js';
import type { StoredEvent } from '../core/event.js';

const ROOTS = new Set(['ts', 'seq', 'id', 'channel', 'data']);
const PATH_PATTERN = /^[A-Za-z_$][\w$]*(?:\.[\w$-]+)*$/;

export type EventPath = (event: StoredEvent) => unknown;

/** Compiles a path; throws `invalid_rule` naming the field and the rule. */
export function compileEventPath(path: unknown, field: string): EventPath {
  if (typeof path !== 'string' || !PATH_PATTERN.test(path)) {
    throw new PlayheadError('invalid_rule', `${field} must be a path like "data.user", "ts" or "id", got ${JSON.stringify(path) ?? 'nothing'}`);
  }
  const [root, ...rest] = path.split('.') as [string, ...string[]];
  if (!ROOTS.has(root)) throw new PlayheadError('invalid_rule', `${field} must start with ts, seq, id, channel or data, got ${JSON.stringify(path)}`);
  if (root !== 'data' && rest.length > 0) throw new PlayheadError('invalid_rule', `${field}: only data has fields, got ${JSON.stringify(path)}`);
  return (event) => {
    let value: unknown = (event as unknown as Record<string, unknown>)[root];
    for (const segment of rest) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
      value = (value as Record<string, unknown>)[segment];
    }
    return value;
  };
}
