/**
 * Evaluates a view expression over one event, with SQL's three-valued
 * logic: a comparison with null is unknown (null), AND/OR follow Kleene's
 * tables, and a filter passes only on true.
 */
import type { StoredEvent } from '../core/event.js';
import { JoinedEvents, type ViewInput } from './view-input.js';
import type { Literal, ViewExpr } from './view-plan.js';

function readField(event: StoredEvent, path: readonly string[]): Literal {
  let value: unknown = event;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return null;
    value = (value as Record<string, unknown>)[key];
  }
  return isLiteral(value) ? value : JSON.stringify(value);
}

function isLiteral(value: unknown): value is Literal {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Row-level value of an expression; aggregates are evaluated by the engine, not here. */
export function evaluate(expr: ViewExpr, event: ViewInput): Literal {
  switch (expr.kind) {
    case 'field': return readField(event instanceof JoinedEvents ? event.event(expr.source) : event, expr.path);
    case 'literal': return expr.value;
    case 'compare': return compare(expr.op, evaluate(expr.left, event), evaluate(expr.right, event));
    case 'and': return expr.args.reduce<Literal>((result, arg) => (result === false ? false : and(result, evaluate(arg, event))), true);
    case 'or': return expr.args.reduce<Literal>((result, arg) => (result === true ? true : or(result, evaluate(arg, event))), false);
    case 'not': {
      const value = evaluate(expr.arg, event);
      return value === null ? null : !value;
    }
    case 'in': {
      const value = evaluate(expr.arg, event);
      if (value === null) return null;
      const found = expr.values.some((candidate) => candidate === value);
      return expr.negated ? !found : found;
    }
    case 'isNull': return (evaluate(expr.arg, event) === null) !== expr.negated;
    case 'aggregate': throw new TypeError('aggregates are evaluated per group by the view engine');
  }
}

export function compare(op: string, left: Literal, right: Literal): boolean | null {
  if (left === null || right === null) return null;
  switch (op) {
    case '=': return left === right;
    case '<>': return left !== right;
    case '<': return left < right;
    case '<=': return left <= right;
    case '>': return left > right;
    default: return left >= right;
  }
}

function and(left: Literal, right: Literal): Literal {
  if (left === false || right === false) return false;
  return left === null || right === null ? null : true;
}

function or(left: Literal, right: Literal): Literal {
  if (left === true || right === true) return true;
  return left === null || right === null ? null : false;
}
