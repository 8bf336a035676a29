/**
 * The `deleteWhen` conditions of feed rules: comparisons of event paths and
 * literals (`data.type == 'delete'`), joined by `&&`, `||`, `!` and
 * parentheses. Errors give the character position.
 */
import { PlayheadError } from '../core/errors.js';
import type { StoredEvent } from '../core/event.js';
import { compileEventPath } from './event-path.js';

export type RuleCondition = (event: StoredEvent) => boolean;
type Operand = (event: StoredEvent) => unknown;

const TOKEN = /\s*(?:(\|\||&&|==|!=|<=|>=|[<>!()])|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_$][\w$.-]*))/y;

interface Token {
  readonly kind: 'op' | 'string' | 'number' | 'word' | 'end';
  readonly text: string;
  readonly value: unknown;
  readonly position: number;
}

export function compileRuleCondition(source: unknown): RuleCondition {
  if (typeof source !== 'string' || source.trim() === '') {
    throw new PlayheadError('invalid_rule', `deleteWhen must be a condition like "data.type == 'delete'", got ${JSON.stringify(source) ?? 'nothing'}`);
  }
  const tokens = tokenize(source);
  let at = 0;
  const peek = () => tokens[at] as Token;
  const fail = (token: Token, expected: string): never => {
    throw new PlayheadError('invalid_rule', `deleteWhen: expected ${expected} at index ${token.position}, got ${token.kind === 'end' ? 'the end' : JSON.stringify(token.text)}`, { position: token.position });
  };
  const accept = (text: string) => (peek().kind === 'op' && peek().text === text ? tokens[at++] : undefined);

  const operand = (): Operand => {
    const token = tokens[at++] as Token;
    if (token.kind === 'string' || token.kind === 'number') return () => token.value;
    if (token.kind === 'word') {
      if (token.text === 'true' || token.text === 'false' || token.text === 'null') {
        const value = token.text === 'null' ? null : token.text === 'true';
        return () => value;
      }
      return compileEventPath(token.text, 'deleteWhen');
    }
    if (token.kind === 'op' && token.text === '(') {
      const inner = or();
      if (accept(')') === undefined) fail(peek(), '")"');
      return inner;
    }
    if (token.kind === 'op' && token.text === '!') {
      const inner = operand();
      return (event) => !truthy(inner(event));
    }
    return fail(token, 'a path, a literal, "(" or "!"');
  };
  const comparison = (): Operand => {
    const left = operand();
    const token = peek();
    if (token.kind !== 'op' || !['==', '!=', '<', '<=', '>', '>='].includes(token.text)) return left;
    at += 1;
    const right = operand();
    return (event) => compare(token.text, left(event), right(event));
  };
  const and = (): Operand => {
    let left = comparison();
    while (accept('&&') !== undefined) {
      const l = left;
      const r = comparison();
      left = (event) => truthy(l(event)) && truthy(r(event));
    }
    return left;
  };
  const or = (): Operand => {
    let left = and();
    while (accept('||') !== undefined) {
      const l = left;
      const r = and();
      left = (event) => truthy(l(event)) || truthy(r(event));
    }
    return left;
  };
  const condition = or();
  if (peek().kind !== 'end') fail(peek(), 'an operator or the end');
  return (event) => truthy(condition(event));
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  for (;;) {
    while (at < source.length && /\s/.test(source[at] as string)) at += 1;
    if (at >= source.length) break;
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(source);
    if (match === null) throw new PlayheadError('invalid_rule', `deleteWhen: unexpected character ${JSON.stringify(source[at])} at index ${at}`, { position: at });
    const position = at + (match[0].length - match[0].trimStart().length);
    const [, op, single, double, number, word] = match;
    if (op !== undefined) tokens.push({ kind: 'op', text: op, value: op, position });
    else if (single !== undefined || double !== undefined) tokens.push({ kind: 'string', text: match[0].trim(), value: (single ?? double ?? '').replace(/\\(.)/g, '$1'), position });
    else if (number !== undefined) tokens.push({ kind: 'number', text: number, value: Number(number), position });
    else tokens.push({ kind: 'word', text: word as string, value: word, position });
    at = TOKEN.lastIndex;
  }
  tokens.push({ kind: 'end', text: '', value: undefined, position: source.length });
  return tokens;
}

function compare(op: string, left: unknown, right: unknown): boolean {
  switch (op) {
    case '==': return left === right;
    case '!=': return left !== right;
    default: {
      if (!((typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string'))) return false;
      return op === '<' ? left < right : op === '<=' ? left <= right : op === '>' ? left > right : left >= right;
    }
  }
}

function truthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}
