/**
 * The JSON AST of a timeline query (the DSL text parses to it, and clients
 * may send it directly), and its validator: every refusal is an
 * `invalid_timeline` error naming the path of the offending node.
 */
import { describeValue } from '../core/describe-value.js';
import { PlayheadError } from '../core/errors.js';
import { COMPARATORS, type Comparator } from './pointwise.js';
import type { Scalar } from './timeline-piece.js';

/** An event predicate: evaluated on one event's data. */
export type PredicateNode =
  | { readonly op: 'compare'; readonly column: string; readonly cmp: Comparator; readonly value: Scalar }
  | { readonly op: 'and' | 'or'; readonly args: readonly PredicateNode[] }
  | { readonly op: 'not'; readonly arg: PredicateNode };

/** A timeline expression. Durations compared or produced are in seconds; windows in ms. */
export type TimelineNode =
  | { readonly op: 'latest_event_to_state'; readonly column: string }
  | { readonly op: 'has_existed'; readonly where: PredicateNode }
  | { readonly op: 'has_existed_within'; readonly where: PredicateNode; readonly windowMs: number }
  | { readonly op: 'compare'; readonly arg: TimelineNode; readonly cmp: Comparator; readonly value: Scalar }
  | { readonly op: 'and' | 'or'; readonly args: readonly TimelineNode[] }
  | { readonly op: 'not'; readonly arg: TimelineNode }
  | { readonly op: 'duration_where'; readonly arg: TimelineNode }
  | { readonly op: 'duration_in_cur_state'; readonly arg: TimelineNode };

export const AGGREGATE_FUNCTIONS = ['count', 'sum', 'avg', 'min', 'max'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

export interface AggregateSpec {
  /** Column whose latest value groups the keys; omitted: one group. */
  readonly groupBy?: string;
  readonly functions: readonly AggregateFunction[];
}

export interface TimelineQuery {
  readonly timeline: TimelineNode;
  readonly aggregate?: AggregateSpec;
}

const TIMELINE_OPS = ['latest_event_to_state', 'has_existed', 'has_existed_within', 'compare', 'and', 'or', 'not', 'duration_where', 'duration_in_cur_state'] as const;
const COLUMN_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Deepest expression accepted, so a hostile AST cannot exhaust the stack. */
export const MAX_TIMELINE_DEPTH = 64;

function fail(path: string, rule: string, got: unknown): never {
  throw new PlayheadError('invalid_timeline', `${path} ${rule}, got ${describeValue(got)}`);
}

function record(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object', value);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, `is not a field of this node (fields: ${allowed.join(', ')})`, (value as Record<string, unknown>)[key]);
  }
  return value as Record<string, unknown>;
}

function column(value: unknown, path: string): string {
  if (typeof value !== 'string' || !COLUMN_PATTERN.test(value)) fail(path, 'must be a column path like "playerStateChange" or "data.user.country"', value);
  return value;
}

function scalar(value: unknown, path: string): Scalar {
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
  return fail(path, 'must be a string, a finite number or a boolean', value);
}

function comparator(value: unknown, path: string): Comparator {
  if (typeof value !== 'string' || !(COMPARATORS as readonly string[]).includes(value)) fail(path, `must be one of ${COMPARATORS.join(' ')}`, value);
  return value as Comparator;
}

function args<T>(value: unknown, path: string, each: (item: unknown, path: string) => T): T[] {
  if (!Array.isArray(value) || value.length < 2) fail(path, 'must be an array of at least 2 expressions', value);
  return value.map((item, index) => each(item, `${path}[${index}]`));
}

function depthGuard(depth: number, path: string): void {
  if (depth > MAX_TIMELINE_DEPTH) throw new PlayheadError('invalid_timeline', `${path} nests deeper than ${MAX_TIMELINE_DEPTH} levels`);
}

export function validatePredicate(value: unknown, path = 'where', depth = 0): PredicateNode {
  depthGuard(depth, path);
  const op = (value as { op?: unknown } | null)?.op;
  switch (op) {
    case 'compare': {
      const node = record(value, path, ['op', 'column', 'cmp', 'value']);
      return { op, column: column(node.column, `${path}.column`), cmp: comparator(node.cmp, `${path}.cmp`), value: scalar(node.value, `${path}.value`) };
    }
    case 'and':
    case 'or':
      return { op, args: args(record(value, path, ['op', 'args']).args, `${path}.args`, (item, at) => validatePredicate(item, at, depth + 1)) };
    case 'not':
      return { op, arg: validatePredicate(record(value, path, ['op', 'arg']).arg, `${path}.arg`, depth + 1) };
    default:
      return fail(`${path}.op`, 'must be one of compare, and, or, not (an event predicate)', op);
  }
}

export function validateTimelineNode(value: unknown, path = 'timeline', depth = 0): TimelineNode {
  depthGuard(depth, path);
  const op = (value as { op?: unknown } | null)?.op;
  switch (op) {
    case 'latest_event_to_state':
      return { op, column: column(record(value, path, ['op', 'column']).column, `${path}.column`) };
    case 'has_existed':
      return { op, where: validatePredicate(record(value, path, ['op', 'where']).where, `${path}.where`, depth + 1) };
    case 'has_existed_within': {
      const node = record(value, path, ['op', 'where', 'windowMs']);
      const windowMs = node.windowMs;
      if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs < 0) fail(`${path}.windowMs`, 'must be a number of milliseconds >= 0', windowMs);
      return { op, where: validatePredicate(node.where, `${path}.where`, depth + 1), windowMs };
    }
    case 'compare': {
      const node = record(value, path, ['op', 'arg', 'cmp', 'value']);
      return { op, arg: validateTimelineNode(node.arg, `${path}.arg`, depth + 1), cmp: comparator(node.cmp, `${path}.cmp`), value: scalar(node.value, `${path}.value`) };
    }
    case 'and':
    case 'or':
      return { op, args: args(record(value, path, ['op', 'args']).args, `${path}.args`, (item, at) => validateTimelineNode(item, at, depth + 1)) };
    case 'not':
    case 'duration_where':
    case 'duration_in_cur_state':
      return { op, arg: validateTimelineNode(record(value, path, ['op', 'arg']).arg, `${path}.arg`, depth + 1) };
    default:
      return fail(`${path}.op`, `must be one of ${TIMELINE_OPS.join(', ')}`, op);
  }
}

export function validateTimelineQuery(value: unknown): TimelineQuery {
  const node = record(value, 'query', ['timeline', 'aggregate']);
  const timeline = validateTimelineNode(node.timeline);
  if (node.aggregate === undefined) return { timeline };
  const spec = record(node.aggregate, 'query.aggregate', ['groupBy', 'functions']);
  const functions = spec.functions;
  if (!Array.isArray(functions) || functions.length === 0) fail('query.aggregate.functions', `must be a non-empty array of ${AGGREGATE_FUNCTIONS.join(', ')}`, functions);
  for (const [index, name] of functions.entries()) {
    if (!(AGGREGATE_FUNCTIONS as readonly unknown[]).includes(name)) fail(`query.aggregate.functions[${index}]`, `must be one of ${AGGREGATE_FUNCTIONS.join(', ')}`, name);
  }
  const aggregate: AggregateSpec = {
    ...(spec.groupBy === undefined ? {} : { groupBy: column(spec.groupBy, 'query.aggregate.groupBy') }),
    functions: functions as AggregateFunction[],
  };
  return { timeline, aggregate };
}

/** True for nodes whose values are durations (ms inside, seconds on the wire). */
export function isDurationNode(node: TimelineNode): boolean {
  return node.op === 'duration_where' || node.op === 'duration_in_cur_state';
}
